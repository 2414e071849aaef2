package route

// Adopt carries health state over from the router a config reload
// replaces, so that a reload does not forget that a provider is down: a
// target whose provider type, endpoint and model are unchanged keeps its
// passive health window, and a route's breaker for such a target keeps
// its state when the route's breaker settings are unchanged too. Adopt
// must run before rt serves any request.
func (rt *Router) Adopt(old *Router) {
	if old == nil {
		return
	}
	for name, t := range rt.targets {
		if o := old.targets[name]; o != nil && o.identity == t.identity {
			t.Health = o.Health
			t.ttft.Store(o.ttft.Load())
		}
	}
	for name, r := range rt.routes {
		o := old.routes[name]
		if o == nil || o.breakerConfig != r.breakerConfig {
			continue
		}
		for t := range r.Breakers {
			for ot, ob := range o.Breakers {
				if ot.Name == t.Name && ot.identity == t.identity {
					r.Breakers[t] = ob
				}
			}
		}
	}
	// Each target lists its breakers on every route, for probes to
	// recover: list them again now that some were carried over.
	for _, t := range rt.targets {
		t.Breakers = t.Breakers[:0]
	}
	for _, r := range rt.routes {
		for t, b := range r.Breakers {
			t.Breakers = append(t.Breakers, b)
		}
	}
	rt.adoptTable(old.table.Load())
}

// adoptTable starts rt's routing table from old's: the version goes on
// counting, and a route whose primary targets and base weights are
// unchanged keeps its live weights, so a reload does not send traffic
// back to a target that had been weighted down.
func (rt *Router) adoptTable(old *Table) {
	if old == nil {
		return
	}
	next := &Table{Version: old.Version, At: old.At, Routes: make(map[string]*RouteState, len(rt.routes))}
	for name, r := range rt.routes {
		prev := old.Routes[name]
		if prev == nil || len(prev.Members) != len(r.Members) {
			continue
		}
		rs := &RouteState{Members: make([]TargetState, len(r.Members))}
		same := true
		for i, m := range r.Members {
			p := prev.Members[i]
			if p.Target.Name != m.Target.Name || p.Target.identity != m.Target.identity || p.Base != m.Weight {
				same = false
				break
			}
			p.Target = m.Target
			rs.Members[i] = p
		}
		if same {
			next.Routes[name] = rs
			r.live.Store(rs)
		}
	}
	rt.table.Store(next)
}
