// Package load generates HTTP load the way a benchmark of a gateway needs
// it: open-loop at a fixed rate, so that queueing in the system under test
// shows in the latency instead of slowing the generator down (no
// coordinated omission), or closed-loop with N workers, to find the most
// the system can serve. It measures non-streamed answers, streamed ones
// (time to the first content chunk and the gaps between chunks) and
// streams held open, and summarises samples into exact percentiles.
package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Clock is the scheduler's time source. Tests inject a fake so that a
// schedule runs in virtual time, without sleeping.
type Clock interface {
	Now() time.Time
	// SleepUntil returns at t or later, or as soon as ctx is done.
	SleepUntil(ctx context.Context, t time.Time)
}

// RealClock is the wall clock. Its SleepUntil sleeps in the kernel
// (nanosleep) rather than on a Go timer: with every P idle, the Go runtime
// waits for timers in epoll with millisecond granularity, which made a
// 300 µs sleep last about 1.1 ms on the benchmark machine, and the whole
// schedule up to 1 ms late. A caller that also wants the kernel's timer
// slack out of the way runs the schedule under PinForTiming.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// SleepUntil sleeps until t in steps of at most 10 ms, so that a done ctx
// is seen soon.
func (RealClock) SleepUntil(ctx context.Context, t time.Time) {
	for ctx.Err() == nil {
		d := time.Until(t)
		if d <= 0 {
			return
		}
		sleepKernel(min(d, 10*time.Millisecond))
	}
}

// OpenLoop is a fixed-rate schedule: request i is due at start + i/Rate,
// whatever became of the requests before it.
type OpenLoop struct {
	// Rate is in requests per second; it must be > 0.
	Rate float64
	// Duration is how long requests are sent.
	Duration time.Duration
	// Max caps the number of requests; 0 means no cap beyond
	// Rate × Duration.
	Max int
}

// Count is the number of requests the schedule sends if it runs to the
// end: ⌈Rate × Duration⌉, capped by Max.
func (o OpenLoop) Count() int {
	if o.Rate <= 0 || o.Duration <= 0 {
		return 0
	}
	n := int(o.Rate * o.Duration.Seconds())
	if float64(n) < o.Rate*o.Duration.Seconds() {
		n++
	}
	if o.Max > 0 && n > o.Max {
		n = o.Max
	}
	return n
}

// Due is when request i is due, as an offset from the start.
func (o OpenLoop) Due(i int) time.Duration {
	return time.Duration(float64(i) * float64(time.Second) / o.Rate)
}

// Run calls fire(i, due) for every request of the schedule, in order, at
// its due time. When the scheduler wakes late, it fires every request that
// has fallen due since, each with its own due time, so the lateness is
// counted in the latency measured from due rather than hidden by sending
// fewer requests. fire must not block: it starts the request (in a
// goroutine) and returns. Run returns the number of requests fired, which
// is less than Count only when ctx ends first.
func (o OpenLoop) Run(ctx context.Context, clk Clock, fire func(i int, due time.Time)) int {
	n := o.Count()
	start := clk.Now()
	i := 0
	for i < n {
		if ctx.Err() != nil {
			return i
		}
		now := clk.Now()
		for i < n {
			due := start.Add(o.Due(i))
			if due.After(now) {
				break
			}
			fire(i, due)
			i++
		}
		if i < n {
			clk.SleepUntil(ctx, start.Add(o.Due(i)))
		}
	}
	return i
}

// ClosedLoop runs Workers loops that each send a request as soon as their
// previous one has finished, until Duration has passed or Max requests
// have started.
type ClosedLoop struct {
	// Workers is the number of requests in flight at once; at least 1.
	Workers int
	// Duration bounds the run: no request starts after it.
	Duration time.Duration
	// Max caps the number of requests; 0 means no cap.
	Max int
}

// Run calls do(worker, sent) in each worker's loop, sent being the time the
// request starts, and returns the number of requests made and the time
// from the start until the last one finished.
func (c ClosedLoop) Run(ctx context.Context, clk Clock, do func(worker int, sent time.Time)) (int, time.Duration) {
	workers := max(c.Workers, 1)
	start := clk.Now()
	end := start.Add(c.Duration)
	var started atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				now := clk.Now()
				if !now.Before(end) {
					return
				}
				if n := started.Add(1); c.Max > 0 && n > int64(c.Max) {
					started.Add(-1)
					return
				}
				do(w, now)
			}
		})
	}
	wg.Wait()
	return int(started.Load()), clk.Now().Sub(start)
}
