package breaker

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentAllowReport hammers one breaker from many goroutines while
// its clock moves, through many trips, probes and closes. Run it with
// -race. Every grant is reported once, the half-open limit holds in every
// snapshot, and the breaker still closes at the end.
func TestConcurrentAllowReport(t *testing.T) {
	const goroutines, each = 8, 3000
	b, c := newBreaker(Config{
		ConsecutiveFailures: 3, ErrorRate: 0.5, MinRequests: 5,
		Cooldown: 100 * time.Millisecond, MaxCooldown: time.Second, HalfOpenRequests: 2,
		Jitter: func(n int64) int64 { return n / 3 },
	})
	var granted, probes, refused atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				if i%50 == 0 {
					c.Advance(5 * time.Millisecond)
				}
				if i%7 == 0 {
					if s := b.Snapshot(); s.Probes > 2 || s.Failures > s.Requests {
						t.Errorf("snapshot %+v", s)
					}
				}
				p, ok := b.Allow()
				if !ok {
					refused.Add(1)
					continue
				}
				granted.Add(1)
				if p.Probe() {
					probes.Add(1)
				}
				op := "SFFU"[(g+i)%4]
				p.Report(op == 'S', op != 'U')
			}
		})
	}
	wg.Wait()
	if refused.Load() == 0 || probes.Load() == 0 || granted.Load() == 0 {
		t.Fatalf("granted %d, probes %d, refused %d: the breaker never went round", granted.Load(), probes.Load(), refused.Load())
	}
	c.Advance(2 * time.Second)
	p1, ok1 := b.Allow()
	p2, ok2 := b.Allow()
	if !ok1 || !ok2 || !p1.Probe() || !p2.Probe() {
		t.Fatalf("after the cooldown: Allow %v %v, probes %v %v", ok1, ok2, p1.Probe(), p2.Probe())
	}
	p1.Report(true, true)
	p2.Report(true, true)
	if got := b.State(); got != Closed {
		t.Fatalf("after two good probes: %v", got)
	}
}
