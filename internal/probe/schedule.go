package probe

import (
	"sort"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/route"
)

// Schedule is when and for how long one target is probed.
type Schedule struct {
	// Interval is the mean wait between the starts of two probes. It must
	// be above 0.
	Interval time.Duration
	// Timeout bounds one probe, from sending it to its first content
	// chunk. It must be above 0.
	Timeout time.Duration
	// Jitter is the share of Interval, in [0,1], by which each wait may
	// differ from it, uniformly in both directions.
	Jitter float64
}

// minWait keeps a jitter of 100% from asking for a zero wait, which would
// fire a probe straight after the previous one only to skip it.
const minWait = time.Millisecond

// wait returns the wait before the next probe for r, a uniform draw in
// [0,1): Interval·(1 + Jitter·(2r − 1)), so within
// [Interval·(1−Jitter), Interval·(1+Jitter)), and at least minWait.
func (s Schedule) wait(r float64) time.Duration {
	d := time.Duration(float64(s.Interval) * (1 + s.Jitter*(2*r-1)))
	return max(d, minWait)
}

// Target is a target of a router with its probe schedule.
type Target struct {
	// Target is what is probed: its Provider receives the probes, its
	// Model is named in them and its Health records their outcomes.
	Target *route.Target
	Schedule
}

// FromConfig returns the targets that cfg probes (probe.interval above
// 0), sorted by name, each paired with the target of the same name in
// targets (a Router's Targets). Targets missing from targets are left
// out.
func FromConfig(cfg *config.Config, targets map[string]*route.Target) []Target {
	var out []Target
	for name, tc := range cfg.Targets {
		t := targets[name]
		if tc == nil || t == nil || tc.Probe.Interval <= 0 {
			continue
		}
		out = append(out, Target{Target: t, Schedule: Schedule{
			Interval: tc.Probe.Interval.D(),
			Timeout:  tc.Probe.Timeout.D(),
			Jitter:   float64(tc.Probe.Jitter),
		}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Target.Name < out[j].Target.Name })
	return out
}
