package probe

import (
	"sync/atomic"
	"time"

	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/health"
)

// Result is what one scheduled probe of a target came to.
type Result struct {
	// Target is the probed target's name.
	Target string
	// Skipped: the target's previous probe was still running when this
	// one was due, so none was sent.
	Skipped bool
	// Stopped: the prober stopped while the probe ran. Its outcome says
	// nothing about the target and was not recorded.
	Stopped bool
	// Start is when the probe was sent, on the prober's clock; Duration
	// is how long it ran, reading included. Both are zero when Skipped.
	Start    time.Time
	Duration time.Duration
	// Outcome is what was recorded in the target's health window.
	Outcome health.Outcome
	// Err is why the probe failed; nil when it succeeded, was skipped or
	// was stopped.
	Err *failure.Error
}

// Counts are a target's probe counters since the prober started. Sent
// probes end as OK or Failed, except those cut short by a stop.
type Counts struct {
	// Sent counts the probes sent.
	Sent uint64
	// OK counts the probes that got a first content chunk in time.
	OK uint64
	// Failed counts the probes that did not, whether or not the failure
	// counted against the target's health (a 400 does not; a timeout, a
	// connect error or a 5xx does).
	Failed uint64
	// Skipped counts the probes that were due while the previous one was
	// still running, and so were not sent.
	Skipped uint64
}

// counters are a target's Counts, updated as probes go.
type counters struct {
	sent, ok, failed, skipped atomic.Uint64
}

func (c *counters) load() Counts {
	return Counts{Sent: c.sent.Load(), OK: c.ok.Load(), Failed: c.failed.Load(), Skipped: c.skipped.Load()}
}
