package breaker

import (
	"testing"

	"github.com/backstophq/backstop/internal/clock"
)

func benchBreaker() *Breaker {
	return New(Config{ConsecutiveFailures: 5, ErrorRate: 0.5, MinRequests: 10}, clock.Real{})
}

func BenchmarkAllowReport(b *testing.B) {
	br := benchBreaker()
	b.ReportAllocs()
	for b.Loop() {
		p, _ := br.Allow()
		p.Report(true, true)
	}
}

func BenchmarkAllowReportParallel(b *testing.B) {
	br := benchBreaker()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, _ := br.Allow()
			p.Report(true, true)
		}
	})
}

// BenchmarkAllowOpen is the cost of a refusal: one load and a clock read.
func BenchmarkAllowOpen(b *testing.B) {
	br := New(Config{ConsecutiveFailures: 1}, clock.Real{})
	p, _ := br.Allow()
	p.Report(false, true)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := br.Allow(); ok {
			b.Fatal("an open breaker allowed an attempt")
		}
	}
}
