package route

import (
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/config"
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
	if got := names(Ordered{}.Order(nil, members(1, 0, 5), nil)); got != "ac" {
		t.Fatalf("Order = %q, want ac", got)
	}
}

func TestWeightedFirstChoiceFollowsWeights(t *testing.T) {
	// A deterministic sweep over every random value: the share of first
	// choices is then exactly the weights.
	ms := members(70, 30, 0)
	counts := map[string]int{}
	for r := 0; r < 100; r++ {
		w := Weighted{Float64: func() float64 { return (float64(r) + 0.5) / 100 }}
		chain := w.Order(nil, ms, nil)
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
		first[Weighted{}.Order(nil, ms, nil)[0].Name]++
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

func TestWeightedFollowsLiveWeights(t *testing.T) {
	ms := members(70, 30)
	live := &RouteState{Members: []TargetState{{Weight: 20}, {Weight: 30}}}
	counts := map[string]int{}
	for r := 0; r < 50; r++ {
		w := Weighted{Float64: func() float64 { return (float64(r) + 0.5) / 50 }}
		counts[w.Order(nil, ms, live)[0].Name]++
	}
	if counts["a"] != 20 || counts["b"] != 30 {
		t.Fatalf("first choices = %v, want a:20 b:30 (the live weights)", counts)
	}
	// A target whose live weight fell to 0 is never first but still in
	// the chain, after the others.
	live = &RouteState{Members: []TargetState{{Weight: 0}, {Weight: 30}}}
	for _, u := range []float64{0, 0.5, 0.999} {
		if got := names(Weighted{Float64: func() float64 { return u }}.Order(nil, ms, live)); got != "ba" {
			t.Fatalf("u=%v: chain %q, want ba", u, got)
		}
	}
	// When every live weight is 0, the base weights rule.
	live = &RouteState{Members: []TargetState{{Weight: 0}, {Weight: 0}}}
	if got := names(Weighted{Float64: func() float64 { return 0.9 }}.Order(nil, ms, live)); got != "ba" {
		t.Fatalf("all live weights 0: chain %q, want ba (0.9 falls in b's base share)", got)
	}
}

func TestSortedStrategies(t *testing.T) {
	ms := members(1, 1, 1, 0)
	ms[0].Target.Price = config.Price{Input: 3, Output: 15}
	ms[1].Target.Price = config.Price{Input: 0.15, Output: 0.6}
	ms[2].Target.Price = config.Price{Input: 1, Output: 4}
	if got := names(Cost{}.Order(nil, ms, nil)); got != "bca" {
		t.Errorf("cost order %q, want bca", got)
	}
	live := &RouteState{Members: []TargetState{
		{TTFT: 300 * time.Millisecond, Score: 1}, {TTFT: 0, Score: 1}, {TTFT: 100 * time.Millisecond, Score: 1}, {},
	}}
	if got := names(Latency{}.Order(nil, ms, live)); got != "bca" {
		t.Errorf("latency order %q, want bca (unmeasured b first)", got)
	}
	live.Members[1].Score = 0 // b is sick: last, whatever its key
	if got := names(Latency{}.Order(nil, ms, live)); got != "cab" {
		t.Errorf("latency order with b sick %q, want cab", got)
	}
	ms[0].Target.InFlight.Store(5)
	ms[1].Target.InFlight.Store(2)
	ms[2].Target.InFlight.Store(2)
	if got := names(LeastBusy{}.Order(nil, ms, nil)); got != "bca" {
		t.Errorf("least_busy order %q, want bca (ties in config order)", got)
	}
}

func TestPlanDrillsEachFallbackInTurn(t *testing.T) {
	ms := members(1)
	x, y := &Target{Name: "x"}, &Target{Name: "y"}
	r := &Route{Strategy: Ordered{}, Members: ms, Fallbacks: []*Target{x, y}, Drill: 0.25}
	var got []string
	for i := 0; i < 8; i++ {
		u := float64(i%4) / 4 // one request in four draws under 0.25
		r.Random = func() float64 { return u }
		chain, drill := r.Plan(nil)
		if drill != (i%4 == 0) {
			t.Fatalf("request %d: drill = %v", i, drill)
		}
		got = append(got, names(chain))
	}
	want := []string{"xay", "axy", "axy", "axy", "yax", "axy", "axy", "axy"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("chains %v, want %v", got, want)
		}
	}
}
