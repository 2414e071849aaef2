package route

import (
	"testing"
)

func members(weights ...int) []Member {
	var ms []Member
	for i, w := range weights {
		ms = append(ms, Member{Target: &Target{Name: string(rune('a' + i))}, Weight: w})
	}
	return ms
}

func names(ts []*Target) string {
	var s string
	for _, t := range ts {
		s += t.Name
	}
	return s
}

func TestOrderedKeepsConfigOrderAndDropsZeroWeights(t *testing.T) {
	if got := names(Ordered{}.Order(nil, members(1, 0, 5))); got != "ac" {
		t.Fatalf("Order = %q, want ac", got)
	}
}

func TestWeightedFirstChoiceFollowsWeights(t *testing.T) {
	// A deterministic sweep over every random value: the share of first
	// choices is then exactly the weights.
	ms := members(70, 30, 0)
	counts := map[string]int{}
	for r := 0; r < 100; r++ {
		w := Weighted{IntN: func(n int) int { return r % n }}
		chain := w.Order(nil, ms)
		if len(chain) != 2 || chain[0] == chain[1] {
			t.Fatalf("chain %q should hold a and b once each", names(chain))
		}
		counts[chain[0].Name]++
	}
	if counts["a"] != 70 || counts["b"] != 30 || counts["c"] != 0 {
		t.Fatalf("first choices = %v, want a:70 b:30", counts)
	}
}

func TestWeightedWithRealRandomness(t *testing.T) {
	ms := members(80, 20)
	first := map[string]int{}
	for i := 0; i < 10000; i++ {
		first[Weighted{}.Order(nil, ms)[0].Name]++
	}
	if a := first["a"]; a < 7600 || a > 8400 {
		t.Fatalf("a was first %d times in 10000, want about 8000", a)
	}
}

func TestChainAppendsFallbacksInOrder(t *testing.T) {
	ms := members(1, 1)
	r := &Route{Strategy: Ordered{}, Members: ms, Fallbacks: []*Target{{Name: "x"}, {Name: "y"}}}
	var buf [MaxChain]*Target
	if got := names(r.Chain(buf[:0])); got != "abxy" {
		t.Fatalf("Chain = %q, want abxy", got)
	}
}
