// Package breaker is the circuit breaker of one target: it stops sending
// attempts to a target that keeps failing, lets a few probes through once
// a cooldown has passed, and closes again when they succeed.
//
// The breaker lives on the request path. In the closed state, Allow is one
// atomic load and Report a few atomic adds, neither allocating; state
// changes take a mutex and allocate a new generation. Every state change
// starts a new generation, and a permit only counts in the generation
// that granted it (gobreaker's rule): a slow success from before a trip
// cannot close the breaker, and a slow failure from before a close cannot
// trip it again.
package breaker

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/health"
)

// State is a breaker's state.
type State uint8

const (
	// Closed: attempts flow; failures are counted.
	Closed State = iota
	// Open: attempts are refused until the cooldown has passed.
	Open
	// HalfOpen: up to Config.HalfOpenRequests probes are let through.
	HalfOpen
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half_open"
	}
	return "unknown"
}

// Breaker is the circuit breaker of one target. Use New; a Breaker is safe
// for concurrent use.
type Breaker struct {
	cfg   Config
	clock clock.Clock
	cur   atomic.Pointer[generation] // replaced, under mu, on every state change

	mu       sync.Mutex // serialises state changes; guards the fields below
	trips    int        // trips in a row; see Config.MaxCooldown
	openedAt time.Time  // start of the latest open period
	closedAt time.Time  // latest close from half-open; zero if never
}

// generation is one stay in one state. Its state and reopensAt never
// change; a state change replaces the whole generation.
type generation struct {
	state State

	// Closed.
	tally       *health.Tally // error-rate window, fresh for each close
	consecutive atomic.Int64  // counted failures in a row

	// Open: when the next Allow turns the breaker half-open.
	reopensAt time.Time

	// HalfOpen; guarded by Breaker.mu.
	probes    int // in flight
	successes int
}

// New returns a closed breaker with cfg (see Config for the defaults),
// using c for the time.
func New(cfg Config, c clock.Clock) *Breaker {
	b := &Breaker{cfg: cfg.withDefaults(), clock: c}
	b.cur.Store(b.closedGeneration())
	return b
}

func (b *Breaker) closedGeneration() *generation {
	return &generation{state: Closed, tally: health.NewTally(b.clock, b.cfg.Window, windowBuckets)}
}

// Permit is the right to send one attempt, granted by Allow. It must be
// reported exactly once: a half-open probe that is never reported keeps
// its slot, and the breaker stays half-open. The zero Permit reports nothing, so a caller that
// sends an attempt without a breaker's leave may hold one.
type Permit struct {
	b *Breaker
	g *generation
}

// Probe reports whether the permit is a half-open probe.
func (p Permit) Probe() bool { return p.g != nil && p.g.state == HalfOpen }

// Allow asks to send one attempt. Closed: yes, always. Open: no, until the
// cooldown has passed; then the breaker turns half-open. Half-open: yes
// while fewer than Config.HalfOpenRequests probes are in flight.
func (b *Breaker) Allow() (Permit, bool) {
	g := b.cur.Load()
	if g.state == Closed {
		return Permit{b: b, g: g}, true
	}
	if g.state == Open && b.clock.Now().Before(g.reopensAt) {
		return Permit{}, false
	}
	return b.allowSlow()
}

// allowSlow is Allow for an open breaker whose cooldown has passed and for
// a half-open one.
func (b *Breaker) allowSlow() (Permit, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	g := b.cur.Load()
	switch g.state {
	case Closed:
		return Permit{b: b, g: g}, true
	case Open:
		if b.clock.Now().Before(g.reopensAt) {
			return Permit{}, false
		}
		g = &generation{state: HalfOpen}
		b.cur.Store(g)
	}
	if g.probes >= b.cfg.HalfOpenRequests {
		return Permit{}, false
	}
	g.probes++
	return Permit{b: b, g: g}, true
}

// Report gives the outcome of the permit's attempt. counted says, for a
// failure, whether it says something about the target
// (failure.Error.CountsAgainstProvider); an uncounted failure changes
// nothing, except that a half-open probe's slot is freed. A success always
// counts. A permit from an older generation is ignored.
//
// Closed: a counted failure that reaches ConsecutiveFailures in a row, or
// brings the error rate over Window to ErrorRate with at least
// MinRequests requests, trips the breaker at once. Half-open: a counted
// failure reopens the breaker with the next, doubled, cooldown; the
// breaker closes when HalfOpenRequests probes of this half-open period
// have succeeded, none having failed first.
func (p Permit) Report(success, counted bool) {
	b, g := p.b, p.g
	if b == nil || b.cur.Load() != g {
		return
	}
	if g.state == Closed {
		b.reportClosed(g, success, counted)
		return
	}
	b.reportProbe(g, success, counted)
}

func (b *Breaker) reportClosed(g *generation, success, counted bool) {
	if success {
		g.consecutive.Store(0)
		g.tally.Add(false)
		return
	}
	if !counted {
		return
	}
	n := g.consecutive.Add(1)
	g.tally.Add(true)
	if b.cfg.ConsecutiveFailures > 0 && n >= int64(b.cfg.ConsecutiveFailures) || b.overRate(g) {
		b.trip(g)
	}
}

// overRate reports whether g's error rate trips the breaker.
func (b *Breaker) overRate(g *generation) bool {
	if b.cfg.ErrorRate == 0 {
		return false
	}
	requests, failures := g.tally.Sum()
	// A division, not failures >= rate·requests: 0.28·25 is above 7 in
	// floating point, while 7/25 is the nearest double to 0.28, as the
	// configured rate is.
	return requests >= int64(b.cfg.MinRequests) && float64(failures)/float64(requests) >= b.cfg.ErrorRate
}

// trip opens the breaker if it is still in closed generation g.
func (b *Breaker) trip(g *generation) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur.Load() != g {
		return // another failure tripped it first
	}
	now := b.clock.Now()
	b.trips = b.tripsAt(g, now)
	b.open(now)
}

func (b *Breaker) reportProbe(g *generation, success, counted bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur.Load() != g {
		return
	}
	g.probes = max(g.probes-1, 0)
	switch {
	case success:
		g.successes++
		if g.successes >= b.cfg.HalfOpenRequests {
			b.closedAt = b.clock.Now()
			b.cur.Store(b.closedGeneration())
		}
	case counted:
		b.open(b.clock.Now())
	}
}

// Recover closes an open or half-open breaker because an active health
// check of its target passed (Envoy's rule: a passing check un-ejects). It
// keeps the count of trips in a row, so a target that fails again soon is
// sent away for a doubled cooldown. Permits of the generation it ends are
// ignored from then on. A closed breaker is left as it is.
func (b *Breaker) Recover() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur.Load().state == Closed {
		return
	}
	b.closedAt = b.clock.Now()
	b.cur.Store(b.closedGeneration())
}

// open starts an open generation for one more trip in a row. Caller must
// hold b.mu.
func (b *Breaker) open(now time.Time) {
	b.trips++
	b.openedAt = now
	b.cur.Store(&generation{state: Open, reopensAt: now.Add(b.cfg.cooldown(b.trips))})
}

// tripsAt returns the trips in a row at now: they are forgotten once a
// closed breaker has stayed closed for MaxCooldown. Caller must hold b.mu.
func (b *Breaker) tripsAt(g *generation, now time.Time) int {
	if g.state == Closed && !b.closedAt.IsZero() && now.Sub(b.closedAt) >= b.cfg.MaxCooldown {
		return 0
	}
	return b.trips
}

// State returns the breaker's state. An open breaker whose cooldown has
// passed reads as HalfOpen: that is what the next Allow finds, and it is
// what makes the move.
func (b *Breaker) State() State {
	g := b.cur.Load()
	if g.state == Open && !b.clock.Now().Before(g.reopensAt) {
		return HalfOpen
	}
	return g.state
}

// Snapshot is a breaker's state at one moment, for metrics, status pages
// and routing.
type Snapshot struct {
	// State is as State returns it.
	State State
	// Trips is the trips in a row (see Config.MaxCooldown); 0 for a
	// breaker that never tripped or has forgotten its trips.
	Trips int
	// OpenedAt is when the breaker last tripped; zero if never.
	OpenedAt time.Time
	// ReopensAt is, while open, when it turns half-open (in the past once
	// the cooldown has passed and State reads HalfOpen); zero otherwise.
	ReopensAt time.Time
	// Consecutive is, while closed, the counted failures in a row.
	Consecutive int
	// Requests and Failures are, while closed, the counted outcomes in
	// the error-rate window.
	Requests, Failures int64
	// Probes is, while half-open, the probes in flight.
	Probes int
}

// Snapshot returns the breaker's state, consistently.
func (b *Breaker) Snapshot() Snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	g := b.cur.Load()
	now := b.clock.Now()
	s := Snapshot{State: g.state, Trips: b.tripsAt(g, now), OpenedAt: b.openedAt}
	switch g.state {
	case Closed:
		s.Consecutive = int(g.consecutive.Load())
		s.Requests, s.Failures = g.tally.Sum()
	case Open:
		s.ReopensAt = g.reopensAt
		if !now.Before(g.reopensAt) {
			s.State = HalfOpen
		}
	case HalfOpen:
		s.Probes = g.probes
	}
	return s
}
