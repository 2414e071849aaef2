package route

import (
	"github.com/backstophq/backstop/internal/health"
)

// ScoreShared computes the fleet's routing table, as `backstop check`
// publishes it, from each target's health across the fleet (stats, by
// target name). Scores and weights follow the same rules as UpdateTable:
// the route's SLA, and live weights moving toward Base × Score by at most
// MaxStep × Base from prev (the table published before; nil starts every
// target at its base weight). A target is down when its score is 0 or
// when the fleet's outcomes would trip the route's breaker (failures in
// a row, or error rate over min_requests): the checker plays every
// gateway's breaker at once, so replicas that have not failed yet stop
// sending too. Targets with no stats score 1.
func (rt *Router) ScoreShared(stats map[string]health.Stats, prev Shared) Shared {
	out := make(Shared, len(rt.routes))
	for name, r := range rt.routes {
		entries := make(map[string]SharedTarget, len(r.Members))
		for _, m := range r.Members {
			st := stats[m.Target.Name]
			score, reason := health.Score(st, r.SLA)
			down := score <= 0
			if why := r.trips(st); why != "" {
				down, reason = true, why
			}
			if down {
				score = 0
			}
			base := float64(m.Weight)
			w := base
			if p, ok := prev[name][m.Target.Name]; ok {
				w = step(p.Weight, base*score, r.MaxStep*base)
			}
			entries[m.Target.Name] = SharedTarget{Weight: w, Score: score, Reason: reason, Down: down}
		}
		out[name] = entries
	}
	return out
}

// trips says why st would open the route's breaker, or "".
func (r *Route) trips(st health.Stats) string {
	bc := r.breakerConfig
	if n := bc.ConsecutiveFailures; n > 0 && st.Consecutive >= n {
		return "breaker: " + health.InARow(st.Consecutive) + " across the fleet"
	}
	if rate := float64(bc.ErrorRate); rate > 0 && st.Requests > 0 && st.Requests >= int64(bc.MinRequests) && st.ErrorRate >= rate {
		return "breaker: errors " + health.Percent(st.ErrorRate) + " >= " + health.Percent(rate) + " across the fleet"
	}
	return ""
}
