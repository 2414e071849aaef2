package route

import "sort"

// SharedTarget is one target's entry in a routing table shared by the
// fleet: what `backstop check` computed from its probes and every
// gateway's traffic.
type SharedTarget struct {
	Weight float64
	Score  float64
	Reason string
	// Down puts the target last in its routes' chains, as an open
	// breaker does, whatever the strategy: ordered routes stop sending
	// to it too.
	Down bool
}

// Shared is a shared routing table: route name → target name → entry.
type Shared map[string]map[string]SharedTarget

// ApplyShared makes s the source of the live weights, scores and down
// flags of the targets it names, until ClearShared or the next
// ApplyShared. UpdateTable keeps running for breakers and TTFT, but its
// weights do not replace shared ones. It returns the "route/target"
// names s holds that this router does not have, sorted; what matches is
// applied all the same.
func (rt *Router) ApplyShared(s Shared) (unknown []string) {
	rt.liveMu.Lock()
	defer rt.liveMu.Unlock()
	rt.shared = s
	local := rt.table.Load()
	for name, r := range rt.routes {
		var rs *RouteState
		if local != nil {
			rs = local.Routes[name]
		}
		r.live.Store(overlay(r.baseState(rs), s[name]))
	}
	for route, targets := range s {
		r := rt.routes[route]
		for target := range targets {
			if r == nil || !r.hasMember(target) {
				unknown = append(unknown, route+"/"+target)
			}
		}
	}
	sort.Strings(unknown)
	return unknown
}

// ClearShared returns the live weights to the local table: the shared
// one went stale.
func (rt *Router) ClearShared() {
	rt.liveMu.Lock()
	defer rt.liveMu.Unlock()
	rt.shared = nil
	local := rt.table.Load()
	for name, r := range rt.routes {
		var rs *RouteState
		if local != nil {
			rs = local.Routes[name]
		}
		r.live.Store(rs)
	}
}

// SharedInForce reports whether a shared table gives the live weights.
func (rt *Router) SharedInForce() bool {
	rt.liveMu.Lock()
	defer rt.liveMu.Unlock()
	return rt.shared != nil
}

// storeLive installs a route's locally computed state, under the shared
// table's overlay when one is in force.
func (rt *Router) storeLive(name string, r *Route, rs *RouteState) {
	if rt.shared != nil {
		rs = overlay(rs, rt.shared[name])
	}
	r.live.Store(rs)
}

// baseState is rs, or before the first local table, every member at its
// base weight and full score.
func (r *Route) baseState(rs *RouteState) *RouteState {
	if rs != nil {
		return rs
	}
	rs = &RouteState{Members: make([]TargetState, len(r.Members))}
	for i, m := range r.Members {
		rs.Members[i] = TargetState{Target: m.Target, Base: m.Weight, Weight: float64(m.Weight), Score: 1}
	}
	return rs
}

// overlay returns a copy of rs with the shared entries of its members.
func overlay(rs *RouteState, s map[string]SharedTarget) *RouteState {
	if rs == nil || len(s) == 0 {
		return rs
	}
	out := &RouteState{Members: make([]TargetState, len(rs.Members))}
	copy(out.Members, rs.Members)
	for i := range out.Members {
		m := &out.Members[i]
		e, ok := s[m.Target.Name]
		if !ok {
			continue
		}
		m.Weight, m.Score, m.Reason, m.Down = max(e.Weight, 0), min(max(e.Score, 0), 1), e.Reason, e.Down
		if e.Down {
			m.Score = 0
		}
	}
	return out
}

func (r *Route) hasMember(target string) bool {
	for _, m := range r.Members {
		if m.Target.Name == target {
			return true
		}
	}
	return false
}

// isDown reports whether the live state marks t down.
func isDown(live *RouteState, t *Target) bool {
	if live == nil {
		return false
	}
	for i := range live.Members {
		if live.Members[i].Target == t {
			return live.Members[i].Down
		}
	}
	return false
}
