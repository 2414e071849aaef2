package route

import (
	"strconv"
	"testing"
)

// Route selection runs once per request: Chain must not allocate when the
// caller backs dst with a fixed array, as the gateway does.
//
//	go test -run '^$' -bench Chain -benchmem ./internal/route/

func benchRoute(s Strategy, weights ...int) *Route {
	r := &Route{Name: "bench", Strategy: s}
	for i, w := range weights {
		r.Members = append(r.Members, Member{Target: &Target{Name: "t" + strconv.Itoa(i)}, Weight: w})
	}
	r.Fallbacks = []*Target{{Name: "fallback"}}
	return r
}

func benchChain(b *testing.B, r *Route, want int) {
	b.ReportAllocs()
	var buf [MaxChain]*Target
	for b.Loop() {
		if got := len(r.Chain(buf[:0])); got != want {
			b.Fatalf("chain of %d targets, want %d", got, want)
		}
	}
}

func BenchmarkChainOrdered(b *testing.B) {
	benchChain(b, benchRoute(Ordered{}, 1, 1, 1), 4)
}

func BenchmarkChainWeighted(b *testing.B) {
	benchChain(b, benchRoute(Weighted{}, 80, 15, 5), 4)
}

func BenchmarkChainWeightedEight(b *testing.B) {
	benchChain(b, benchRoute(Weighted{}, 30, 20, 15, 10, 10, 5, 5, 5), 9)
}
