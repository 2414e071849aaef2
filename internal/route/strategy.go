package route

import (
	"fmt"
	"math/rand/v2"
)

// Strategy orders a route's primary targets for one request.
type Strategy interface {
	// Order appends the members' targets to dst in the order one request
	// should try them. Members of weight 0 are left out.
	Order(dst []*Target, members []Member) []*Target
}

// Ordered tries the targets in the order the config lists them.
type Ordered struct{}

// Order appends the members with a weight above 0, as listed.
func (Ordered) Order(dst []*Target, members []Member) []*Target {
	for _, m := range members {
		if m.Weight > 0 {
			dst = append(dst, m.Target)
		}
	}
	return dst
}

// Weighted picks the first target at random in proportion to the weights,
// then the next among those left, and so on: every target is still tried
// on failure, and the first choice follows the weights.
type Weighted struct {
	// IntN returns a uniform random int in [0, n); nil means math/rand/v2.
	IntN func(n int) int
}

// Order appends the members in weighted random order, without repeats.
func (w Weighted) Order(dst []*Target, members []Member) []*Target {
	intn := w.IntN
	if intn == nil {
		intn = rand.IntN
	}
	var left [MaxChain]int
	total, n := 0, 0
	for _, m := range members {
		if m.Weight > 0 {
			left[n] = m.Weight
			total += m.Weight
			n++
		}
	}
	idx := indexOfPositive(members, n)
	for picked := 0; picked < n; picked++ {
		r := intn(total)
		for i := 0; i < n; i++ {
			if left[i] == 0 {
				continue
			}
			if r < left[i] {
				dst = append(dst, members[idx[i]].Target)
				total -= left[i]
				left[i] = 0
				break
			}
			r -= left[i]
		}
	}
	return dst
}

// indexOfPositive maps the i-th member of positive weight to its index.
func indexOfPositive(members []Member, n int) [MaxChain]int {
	var idx [MaxChain]int
	j := 0
	for i, m := range members {
		if m.Weight > 0 && j < n {
			idx[j] = i
			j++
		}
	}
	return idx
}

// NewStrategy returns the strategy named in the config.
func NewStrategy(name string) (Strategy, error) {
	switch name {
	case "", "ordered":
		return Ordered{}, nil
	case "weighted":
		return Weighted{}, nil
	}
	return nil, fmt.Errorf("unknown strategy %q (ordered, weighted)", name)
}
