package route

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Strategy orders a route's primary targets for one request.
type Strategy interface {
	// Order appends the members' targets to dst in the order one request
	// should try them. Members of base weight 0 are left out. live is the
	// route's part of the routing table (nil before the first one); a
	// strategy may use its live weights or scores.
	Order(dst []*Target, members []Member, live *RouteState) []*Target
}

// Ordered tries the targets in the order the config lists them.
type Ordered struct{}

// Order appends the members with a weight above 0, as listed.
func (Ordered) Order(dst []*Target, members []Member, _ *RouteState) []*Target {
	for _, m := range members {
		if m.Weight > 0 {
			dst = append(dst, m.Target)
		}
	}
	return dst
}

// Weighted picks the first target at random in proportion to the live
// weights, then the next among those left, and so on: every target is
// still tried on failure, and the first choice follows the weights. Before
// the first routing table, or when every live weight has fallen to 0, the
// base weights are used: a route never ejects all of its targets.
type Weighted struct {
	// Float64 returns a uniform random number in [0, 1); nil means
	// math/rand/v2.
	Float64 func() float64
}

// Order appends the members in weighted random order, without repeats.
func (w Weighted) Order(dst []*Target, members []Member, live *RouteState) []*Target {
	random := w.Float64
	if random == nil {
		random = rand.Float64
	}
	var left [MaxChain]float64
	var idx [MaxChain]int
	n, total := 0, 0.0
	for i, m := range members {
		if m.Weight <= 0 || n == MaxChain {
			continue
		}
		left[n], idx[n] = float64(m.Weight), i
		if live != nil && i < len(live.Members) {
			left[n] = live.Members[i].Weight
		}
		total += left[n]
		n++
	}
	if total <= 0 {
		for j := 0; j < n; j++ {
			left[j] = float64(members[idx[j]].Weight)
			total += left[j]
		}
	}
	for picked := 0; picked < n; picked++ {
		j := pick(left[:n], total, random())
		if left[j] <= 0 {
			// Only targets of live weight 0 are left: keep their order.
			for k := 0; k < n; k++ {
				if left[k] == 0 && !contains(dst, members[idx[k]].Target) {
					dst = append(dst, members[idx[k]].Target)
				}
			}
			return dst
		}
		dst = append(dst, members[idx[j]].Target)
		total -= left[j]
		left[j] = -1 // taken
	}
	return dst
}

// pick returns the index whose share of total covers u·total, among the
// positive entries of left.
func pick(left []float64, total, u float64) int {
	r := u * total
	last := 0
	for j, w := range left {
		if w <= 0 {
			continue
		}
		if r < w {
			return j
		}
		r -= w
		last = j
	}
	return last // rounding at the top end
}

func contains(ts []*Target, t *Target) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// Latency tries the target with the lowest recent median time to first
// token first. A target with no measurement yet sorts first, so that it
// gets measured.
type Latency struct{}

// Order sorts by the routing table's TTFT; before the first table it
// keeps the config order.
func (Latency) Order(dst []*Target, members []Member, live *RouteState) []*Target {
	return sortedOrder(dst, members, live, func(i int) float64 {
		if live == nil || i >= len(live.Members) {
			return 0
		}
		return float64(live.Members[i].TTFT)
	})
}

// Cost tries the cheapest target first, by input plus output price per
// million tokens.
type Cost struct{}

// Order sorts by price.
func (Cost) Order(dst []*Target, members []Member, live *RouteState) []*Target {
	return sortedOrder(dst, members, live, func(i int) float64 {
		p := members[i].Target.Price
		return p.Input + p.Output
	})
}

// LeastBusy tries the target with the fewest attempts in flight first.
type LeastBusy struct{}

// Order sorts by attempts in flight, read when the request starts.
func (LeastBusy) Order(dst []*Target, members []Member, live *RouteState) []*Target {
	return sortedOrder(dst, members, live, func(i int) float64 {
		return float64(members[i].Target.InFlight.Load())
	})
}

// sortedOrder appends the members of positive base weight sorted by key,
// ties in config order, with members whose live score is 0 after all
// the others.
func sortedOrder(dst []*Target, members []Member, live *RouteState, key func(i int) float64) []*Target {
	var idx [MaxChain]int
	var keys [MaxChain]float64
	n := 0
	for i, m := range members {
		if m.Weight <= 0 || n == MaxChain {
			continue
		}
		k := key(i)
		if live != nil && i < len(live.Members) && live.Members[i].Score <= 0 {
			k = math.Inf(1)
		}
		j := n
		for j > 0 && keys[j-1] > k {
			idx[j], keys[j] = idx[j-1], keys[j-1]
			j--
		}
		idx[j], keys[j] = i, k
		n++
	}
	for _, i := range idx[:n] {
		dst = append(dst, members[i].Target)
	}
	return dst
}

// NewStrategy returns the strategy named in the config.
func NewStrategy(name string) (Strategy, error) {
	switch name {
	case "", "ordered":
		return Ordered{}, nil
	case "weighted":
		return Weighted{}, nil
	case "latency":
		return Latency{}, nil
	case "cost":
		return Cost{}, nil
	case "least_busy":
		return LeastBusy{}, nil
	}
	return nil, fmt.Errorf("unknown strategy %q (ordered, weighted, latency, cost, least_busy)", name)
}
