package health

import (
	"time"

	"github.com/backstophq/backstop/internal/clock"
)

// Tally is a windowed count of counted requests and failures, without
// latencies or anything else: what a circuit breaker needs for its error
// rate. Use NewTally; a Tally is safe for concurrent use.
type Tally struct {
	ring
	buckets []tallyBucket
}

type tallyBucket struct{ requests, failures word }

// NewTally returns a tally over span in buckets, with the defaults and
// bucket rules of NewWindow.
func NewTally(c clock.Clock, span time.Duration, buckets int) *Tally {
	r := newRing(c, span, buckets)
	return &Tally{ring: r, buckets: make([]tallyBucket, r.n)}
}

// Add counts one request, failed or not, at the clock's current time. It
// takes no lock and does not allocate.
func (t *Tally) Add(failed bool) {
	slot, epoch := t.at(t.clock.Now())
	b := &t.buckets[slot]
	b.requests.add(epoch)
	if failed {
		b.failures.add(epoch)
	}
}

// Sum returns the requests and failures within the span at the clock's
// current time; failures never exceed requests.
func (t *Tally) Sum() (requests, failures int64) {
	_, epoch := t.at(t.clock.Now())
	for i := range t.buckets {
		b := &t.buckets[i]
		failures += int64(b.failures.load(epoch, t.n))
		requests += int64(b.requests.load(epoch, t.n))
	}
	return requests, min(failures, requests)
}
