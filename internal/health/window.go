// Package health keeps the passive health of one target: the outcomes of
// its attempts in a sliding window of time buckets, and a score of those
// against an SLA.
//
// Recording is on the request path and is lock-free and allocation-free;
// reading (Snapshot, Score) sums the buckets and is meant for the
// periodic analysis off that path.
package health

import (
	"sync/atomic"
	"time"

	"github.com/backstophq/backstop/internal/clock"
)

// Outcome is what one attempt on a target came to.
type Outcome struct {
	// Success: the attempt served the request.
	Success bool
	// Counted says, for a failure, whether it says something about the
	// target (failure.Error.CountsAgainstProvider). Uncounted failures
	// (a client that left, a bad request) are ignored entirely. A success
	// always counts.
	Counted bool
	// Latency is the attempt's duration; 0 means unknown and is not
	// recorded.
	Latency time.Duration
	// TTFT is the time to the first content; 0 means unknown (or not
	// streamed) and is not recorded.
	TTFT time.Duration
}

// Window is the recent health of one target: counted requests and
// failures and latency histograms in a ring of time buckets, plus the
// failures in a row and the times of the last success and failure. Use
// NewWindow; a Window is safe for concurrent use.
type Window struct {
	ring
	buckets []bucket

	consecutive atomic.Int64
	lastSuccess atomic.Int64 // ring.since; 0 = never
	lastFailure atomic.Int64
}

// bucket holds one bucket's counters; each word carries its own epoch.
type bucket struct {
	requests, failures word
	latency, ttft      [numBins]word
}

// NewWindow returns a window over span split in buckets of equal width,
// using c for the time. span <= 0 means DefaultSpan (30 s) and buckets <=
// 0 means DefaultBuckets (30), so 1 s buckets by default. Buckets are at
// least 1 ms wide; a span that does not divide evenly is shortened to a
// whole number of buckets.
//
// A Snapshot covers the current bucket and the ones before it, so between
// span − width and span of history: a sample leaves the window when the
// bucket it fell in is a full span old.
func NewWindow(c clock.Clock, span time.Duration, buckets int) *Window {
	r := newRing(c, span, buckets)
	return &Window{ring: r, buckets: make([]bucket, r.n)}
}

// Record adds one attempt's outcome at the clock's current time. Latency
// and TTFT are recorded for successes only: they describe how the target
// serves, while failures are judged by the error rate and the failures in
// a row (a fast 500 must not make a target look quick). Record takes no
// lock and does not allocate.
func (w *Window) Record(o Outcome) {
	if !o.Success && !o.Counted {
		return
	}
	now := w.clock.Now()
	slot, epoch := w.at(now)
	b := &w.buckets[slot]
	b.requests.add(epoch)
	if !o.Success {
		b.failures.add(epoch)
		w.consecutive.Add(1)
		storeMax(&w.lastFailure, w.since(now))
		return
	}
	w.consecutive.Store(0)
	storeMax(&w.lastSuccess, w.since(now))
	if o.Latency > 0 {
		b.latency[binOf(o.Latency)].add(epoch)
	}
	if o.TTFT > 0 {
		b.ttft[binOf(o.TTFT)].add(epoch)
	}
}

// Stats is a window's health at one moment.
type Stats struct {
	// Requests and Failures are the counted outcomes within the span.
	Requests, Failures int64
	// ErrorRate is Failures/Requests; 0 when there are no requests.
	ErrorRate float64
	// Consecutive is the counted failures in a row since the last
	// success. It is not windowed: a target that failed and then got no
	// traffic keeps its count.
	Consecutive int
	// Latency and TTFT are the percentiles of successful attempts within
	// the span.
	Latency, TTFT Percentiles
	// LastSuccess and LastFailure are the times of the latest counted
	// outcomes ever recorded; zero when none.
	LastSuccess, LastFailure time.Time
}

// Snapshot sums the buckets still inside the span at the clock's current
// time. Counters are read one by one while records go on, so a snapshot
// may hold part of a concurrent record, but never more failures than
// requests.
func (w *Window) Snapshot() Stats {
	_, epoch := w.at(w.clock.Now())
	var s Stats
	var latency, ttft [numBins]uint64
	for i := range w.buckets {
		b := &w.buckets[i]
		// Failures first: a record counts its request before its
		// failure, so every failure read here has its request counted
		// by the time requests are read.
		s.Failures += int64(b.failures.load(epoch, w.n))
		s.Requests += int64(b.requests.load(epoch, w.n))
		for k := range b.latency {
			latency[k] += b.latency[k].load(epoch, w.n)
			ttft[k] += b.ttft[k].load(epoch, w.n)
		}
	}
	s.Failures = min(s.Failures, s.Requests)
	if s.Requests > 0 {
		s.ErrorRate = float64(s.Failures) / float64(s.Requests)
	}
	s.Consecutive = int(w.consecutive.Load())
	s.Latency = percentiles(&latency)
	s.TTFT = percentiles(&ttft)
	s.LastSuccess = w.time(w.lastSuccess.Load())
	s.LastFailure = w.time(w.lastFailure.Load())
	return s
}
