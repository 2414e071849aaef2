package route

import (
	"time"

	"github.com/backstophq/backstop/internal/breaker"
	"github.com/backstophq/backstop/internal/health"
)

// TargetState is one primary target of a route in the routing table.
type TargetState struct {
	Target *Target
	// Base is the configured weight; Weight the live one, which follows
	// Base × Score at most MaxStep × Base per update.
	Base   int
	Weight float64
	// Score is the target's health against the route's SLA, in [0,1];
	// Reason says why it is below 1.
	Score   float64
	Reason  string
	Breaker breaker.State
	// TTFT is the target's recent median time to first token; 0 when
	// it has none.
	TTFT time.Duration
	// Down is set by a shared table (see ApplyShared): the target goes
	// last in the chain, as with an open breaker.
	Down bool
}

// RouteState is a route's part of the routing table: its primary targets
// in config order.
type RouteState struct {
	Members []TargetState
}

// Table is the routing table: every route's live weights, computed from
// health off the request path. It is immutable once built; a new one
// replaces it whole, so a reader never sees half an update.
type Table struct {
	Version uint64
	At      time.Time
	Routes  map[string]*RouteState
}

// Table returns the routing table in force, or nil before the first
// update.
func (rt *Router) Table() *Table { return rt.table.Load() }

// UpdateTable computes the next routing table from each target's passive
// health and breaker, installs it, and returns it. It runs on a timer,
// never on the request path. Live weights move toward Base × Score by at
// most the route's MaxStep × Base per call, down and up alike, so traffic
// shifts in steps; the first table starts every target at its base
// weight.
func (rt *Router) UpdateTable(now time.Time) *Table {
	prev := rt.table.Load()
	next := &Table{Version: 1, At: now, Routes: make(map[string]*RouteState, len(rt.routes))}
	if prev != nil {
		next.Version = prev.Version + 1
	}
	stats := make(map[*Target]health.Stats, len(rt.targets))
	for _, t := range rt.targets {
		st := t.Health.Snapshot()
		stats[t] = st
		ttft := st.TTFT
		t.ttft.Store(&ttft)
	}
	rt.liveMu.Lock()
	defer rt.liveMu.Unlock()
	for name, r := range rt.routes {
		var before *RouteState
		if prev != nil {
			before = prev.Routes[name]
		}
		rs := r.nextState(before, stats)
		next.Routes[name] = rs
		rt.storeLive(name, r, rs)
	}
	rt.table.Store(next)
	return next
}

// nextState moves the route's live weights one step toward their goals.
func (r *Route) nextState(before *RouteState, stats map[*Target]health.Stats) *RouteState {
	rs := &RouteState{Members: make([]TargetState, len(r.Members))}
	for i, m := range r.Members {
		score, reason := health.Score(stats[m.Target], r.SLA)
		state := breaker.Closed
		if b := r.Breakers[m.Target]; b != nil {
			state = b.State()
		}
		if state == breaker.Open {
			score, reason = 0, "breaker open"
		}
		base := float64(m.Weight)
		w := base
		if before != nil {
			w = step(before.Members[i].Weight, base*score, r.MaxStep*base)
		}
		st := stats[m.Target]
		rs.Members[i] = TargetState{Target: m.Target, Base: m.Weight, Weight: w, Score: score, Reason: reason, Breaker: state, TTFT: st.TTFT.P50}
	}
	return rs
}

// step moves from toward goal by at most max.
func step(from, goal, max float64) float64 {
	switch {
	case goal > from+max:
		return from + max
	case goal < from-max:
		return from - max
	}
	return goal
}

// liveWeights returns the route's live weights in member order, or nil
// before the first table.
func (r *Route) liveWeights() *RouteState { return r.live.Load() }

// Live returns the route's state in force: the local table's, or the
// shared table's overlaid on it. Nil before the first table.
func (r *Route) Live() *RouteState { return r.live.Load() }
