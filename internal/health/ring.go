package health

import (
	"sync/atomic"
	"time"

	"github.com/backstophq/backstop/internal/clock"
)

// Windowed counts are kept in a ring of time buckets. Instead of a bucket
// header that is reset when the ring comes round (which races with the
// adds landing in it), every counter word carries the number of the bucket
// (its epoch) it counts for: the high tagBits bits hold the epoch, the low
// countBits bits the count. The first add of a newer epoch replaces the
// word in one compare-and-swap, and a reader ignores words whose epoch has
// left the span. So adds are never lost to a reset, a reader never counts
// a word from an older lap of the ring, and no lock or timer is needed.
const (
	countBits = 24 // up to 16.7M per counter per bucket; adds saturate there
	tagBits   = 64 - countBits
	countMask = 1<<countBits - 1
	tagMask   = 1<<tagBits - 1 // 2^40 buckets: 34 years of 1 ms buckets
)

// minWidth is the narrowest bucket. It bounds how fast epochs wrap round
// the tag (see tagMask).
const minWidth = time.Millisecond

// Defaults for NewWindow and NewTally.
const (
	DefaultSpan    = 30 * time.Second
	DefaultBuckets = 30
)

// word is one epoch-tagged counter. The zero value counts 0.
type word struct{ v atomic.Uint64 }

// add counts one for epoch (already masked to tagBits). An add for an
// epoch older than the word's is dropped: the slot has moved on a whole
// lap, so that sample has left the span already.
func (w *word) add(epoch uint64) {
	for {
		old := w.v.Load()
		var next uint64
		switch tag := old >> countBits; {
		case tag == epoch:
			if old&countMask == countMask {
				return
			}
			next = old + 1
		case ahead(tag, epoch):
			return
		default:
			next = epoch<<countBits | 1
		}
		if w.v.CompareAndSwap(old, next) {
			return
		}
	}
}

// load returns the count if the word's epoch is one of the n epochs up to
// and including epoch, and 0 otherwise.
func (w *word) load(epoch, n uint64) uint64 {
	v := w.v.Load()
	if (epoch-v>>countBits)&tagMask < n {
		return v & countMask
	}
	return 0
}

// ahead reports whether epoch a comes after epoch b, modulo the tag width.
func ahead(a, b uint64) bool {
	d := (a - b) & tagMask
	return d != 0 && d < 1<<(tagBits-1)
}

// ring maps time to buckets. It is immutable after newRing.
type ring struct {
	clock  clock.Clock
	origin time.Time // bucket 0 starts here
	width  time.Duration
	n      uint64 // number of buckets
}

// newRing splits span into buckets of equal width, applying the defaults
// of NewWindow. A span that does not divide evenly is shortened to
// buckets×width; buckets narrower than minWidth are merged.
func newRing(c clock.Clock, span time.Duration, buckets int) ring {
	if span <= 0 {
		span = DefaultSpan
	}
	if buckets <= 0 {
		buckets = DefaultBuckets
	}
	if span < minWidth {
		span = minWidth
	}
	if most := int(span / minWidth); buckets > most {
		buckets = most
	}
	return ring{clock: c, origin: c.Now(), width: span / time.Duration(buckets), n: uint64(buckets)}
}

// at returns the bucket index and the tag of the epoch that holds t.
// Times before the origin fall in epoch 0.
func (r *ring) at(t time.Time) (slot int, epoch uint64) {
	d := t.Sub(r.origin)
	if d < 0 {
		d = 0
	}
	e := uint64(d / r.width)
	return int(e % r.n), e & tagMask
}

// since returns t as an offset from the origin, plus one so that 0 can
// mean "never".
func (r *ring) since(t time.Time) int64 { return int64(t.Sub(r.origin)) + 1 }

// time undoes since.
func (r *ring) time(offset int64) time.Time {
	if offset == 0 {
		return time.Time{}
	}
	return r.origin.Add(time.Duration(offset - 1))
}

// storeMax raises v to x; it never lowers it, so that of two concurrent
// records the later time wins.
func storeMax(v *atomic.Int64, x int64) {
	for {
		old := v.Load()
		if old >= x || v.CompareAndSwap(old, x) {
			return
		}
	}
}
