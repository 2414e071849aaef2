package route

import (
	"sync/atomic"
	"time"

	"github.com/backstophq/backstop/internal/health"
)

// Hedge is a route's hedging policy and its budget.
type Hedge struct {
	// After is the fixed delay before a hedge, when Percentile is 0.
	After time.Duration
	// Percentile (50, 95 or 99) makes the delay that percentile of the
	// target's recent time to first token, at least MinAfter.
	Percentile int
	MinAfter   time.Duration
	// MaxExtra is the share of requests that may start a hedge.
	MaxExtra float64

	// tokens is the budget, in thousandths of a hedge: every request adds
	// MaxExtra×1000, a hedge takes 1000, and the bucket holds at most
	// hedgeBurst hedges, so a quiet spell does not save up a storm.
	tokens atomic.Int64
}

const hedgeBurst = 10

// Delay is how long an attempt on t may go without a first token before
// the hedge starts.
func (h *Hedge) Delay(t *Target) time.Duration {
	if h.Percentile == 0 {
		return h.After
	}
	p := t.RecentTTFT()
	var d time.Duration
	switch h.Percentile {
	case 50:
		d = p.P50
	case 95:
		d = p.P95
	default:
		d = p.P99
	}
	return max(d, h.MinAfter)
}

// Deposit adds one request's share to the budget.
func (h *Hedge) Deposit() {
	add := int64(h.MaxExtra * 1000)
	if h.tokens.Add(add) > hedgeBurst*1000 {
		h.tokens.Store(hedgeBurst * 1000)
	}
}

// Take spends one hedge from the budget; false when it is spent.
func (h *Hedge) Take() bool {
	for {
		n := h.tokens.Load()
		if n < 1000 {
			return false
		}
		if h.tokens.CompareAndSwap(n, n-1000) {
			return true
		}
	}
}

// RecentTTFT is the target's time-to-first-token percentiles as of the
// last routing table update (zero before it).
func (t *Target) RecentTTFT() health.Percentiles {
	if p := t.ttft.Load(); p != nil {
		return *p
	}
	return health.Percentiles{}
}
