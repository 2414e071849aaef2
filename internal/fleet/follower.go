package fleet

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/route"
)

// Follower is the gateway's side of the shared table. Subscriptions
// Offer it what they receive, from any transport and in any order; it
// applies a table only if its version is above every one applied before,
// so a table re-read after a reconnect, or delivered by two transports,
// is applied once and never out of order. When no newer table has come
// for staleAfter, it clears the shared table and the gateway routes on
// its own passive health until a fresh one arrives.
type Follower struct {
	clock      clock.Clock
	staleAfter time.Duration
	log        *slog.Logger
	metrics    *metrics.Fleet
	router     func() *route.Router

	mu        sync.Mutex
	last      *Table    // the highest version applied; nil before the first
	appliedAt time.Time // on the local clock
	inForce   bool      // the shared table gives the live weights
	unknown   map[string]bool
}

// NewFollower applies tables to the router that router returns, the one
// in force (config reloads replace it; call Reapply after).
func NewFollower(router func() *route.Router, staleAfter time.Duration, c clock.Clock, log *slog.Logger, m *metrics.Fleet) *Follower {
	return &Follower{clock: c, staleAfter: staleAfter, log: log, metrics: m, router: router, unknown: map[string]bool{}}
}

// Offer decodes raw and applies it if it is newer than the table in
// force. via names the transport, for the log. A table that does not
// decode is logged and refused.
func (f *Follower) Offer(raw []byte, via string) {
	t, err := Decode(raw)
	if err != nil {
		f.log.Warn("shared routing table refused", "via", via, "err", err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last != nil && t.Version <= f.last.Version {
		return
	}
	now := f.clock.Now()
	unknown := f.router().ApplyShared(t.Shared())
	f.noteUnknown(unknown)
	resumed := !f.inForce && f.last != nil
	f.last, f.appliedAt, f.inForce = t, now, true
	f.metrics.Version.Set(float64(t.Version))
	f.setSource(metrics.SourceShared)
	delay := time.Duration(-1)
	if t.PublishedAt > 0 {
		delay = now.Sub(time.Unix(0, t.PublishedAt))
		if delay >= 0 {
			f.metrics.ApplyDelay.Observe(delay.Seconds())
		}
	}
	if resumed {
		f.log.Info("shared routing table fresh again; resuming it", "version", t.Version)
	}
	f.log.Info("routing table applied", "version", t.Version, "delay_us", delay.Microseconds(), "via", via, "publisher", t.Publisher)
}

// noteUnknown logs each route/target the gateway does not have, once.
// Caller holds mu.
func (f *Follower) noteUnknown(names []string) {
	var fresh []string
	for _, n := range names {
		if !f.unknown[n] {
			f.unknown[n] = true
			fresh = append(fresh, n)
		}
	}
	if len(fresh) > 0 {
		f.log.Warn("shared routing table names routes or targets this gateway does not have; applied for the rest", "unknown", fresh)
	}
}

// Check falls back to local health if the table in force is stale.
func (f *Follower) Check() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.inForce {
		return
	}
	age := f.clock.Now().Sub(f.appliedAt)
	if age < f.staleAfter {
		return
	}
	f.inForce = false
	f.router().ClearShared()
	f.metrics.Stale.Inc()
	f.setSource(metrics.SourceLocal)
	f.log.Warn("shared routing table is stale; routing on local health", "version", f.last.Version, "age", age.Round(time.Millisecond).String(), "stale_after", f.staleAfter.String())
}

// Run checks for staleness until ctx ends, often enough to fall back
// within a tenth of stale_after (and at least every second).
func (f *Follower) Run(ctx context.Context) {
	every := min(max(f.staleAfter/10, 10*time.Millisecond), time.Second)
	clock.Every(ctx, f.clock, every, f.Check)
}

// Reapply applies the table in force to the router in force, after a
// config reload built a new one.
func (f *Follower) Reapply() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inForce {
		f.noteUnknown(f.router().ApplyShared(f.last.Shared()))
	}
}

// Status is what /readyz says about the table.
type Status struct {
	// Source is "shared" or "local".
	Source string `json:"source"`
	// Version is the last shared table applied; 0 for none.
	Version uint64 `json:"version"`
	// AgeSeconds is the time since it was applied; absent without one.
	AgeSeconds *float64 `json:"age_seconds,omitempty"`
	// Stale is set when a shared table was in force and went stale.
	Stale bool `json:"stale"`
}

// Status reports the table source, version and age.
func (f *Follower) Status() Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := Status{Source: metrics.SourceLocal}
	if f.inForce {
		s.Source = metrics.SourceShared
	}
	if f.last != nil {
		s.Version = f.last.Version
		age := f.clock.Now().Sub(f.appliedAt).Seconds()
		s.AgeSeconds = &age
		s.Stale = !f.inForce
	}
	return s
}

func (f *Follower) setSource(source string) {
	for _, s := range []string{metrics.SourceShared, metrics.SourceLocal} {
		v := 0.0
		if s == source {
			v = 1
		}
		f.metrics.Source.WithLabelValues(s).Set(v)
	}
}
