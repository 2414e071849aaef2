package gateway

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/backstophq/backstop/internal/breaker"
	"github.com/backstophq/backstop/internal/health"
)

// healthCollector exports breaker states and health scores. It reads them
// when /metrics is scraped, so the request path pays nothing for them.
type healthCollector struct {
	s           *Server
	state       *prometheus.Desc
	score       *prometheus.Desc
	errorRate   *prometheus.Desc
	consecutive *prometheus.Desc
	weight      *prometheus.Desc
	lastSuccess *prometheus.Desc
	version     *prometheus.Desc
	age         *prometheus.Desc
}

func newHealthCollector(s *Server) *healthCollector {
	return &healthCollector{
		s: s,
		state: prometheus.NewDesc("backstop_breaker_state",
			"Circuit breaker state of a route's target: 0 closed, 1 half-open, 2 open.", []string{"route", "target"}, nil),
		score: prometheus.NewDesc("backstop_health_score",
			"Health score of a route's target against the route's SLA, from 0 to 1.", []string{"route", "target"}, nil),
		errorRate: prometheus.NewDesc("backstop_target_error_rate",
			"Share of a target's attempts that failed over its health window.", []string{"target"}, nil),
		consecutive: prometheus.NewDesc("backstop_target_consecutive_failures",
			"Failures in a row on a target since its last success.", []string{"target"}, nil),
		lastSuccess: prometheus.NewDesc("backstop_target_last_success_age_seconds",
			"Time since a target last served a request successfully (since the gateway started, if never): a fallback kept fresh by drills stays low.", []string{"target"}, nil),
		weight: prometheus.NewDesc("backstop_target_weight",
			"Live weight of a route's primary target in the routing table (its base weight times its health, moved gradually).", []string{"route", "target"}, nil),
		version: prometheus.NewDesc("backstop_routing_table_version",
			"Version of the routing table in force.", nil, nil),
		age: prometheus.NewDesc("backstop_routing_table_age_seconds",
			"Age of the routing table in force.", nil, nil),
	}
}

func (h *healthCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- h.state
	ch <- h.score
	ch <- h.errorRate
	ch <- h.consecutive
	ch <- h.weight
	ch <- h.lastSuccess
	ch <- h.version
	ch <- h.age
}

func (h *healthCollector) Collect(ch chan<- prometheus.Metric) {
	st := h.s.state.Load()
	stats := map[string]health.Stats{}
	for name, t := range st.router.Targets() {
		s := t.Health.Snapshot()
		stats[name] = s
		ch <- prometheus.MustNewConstMetric(h.errorRate, prometheus.GaugeValue, s.ErrorRate, name)
		ch <- prometheus.MustNewConstMetric(h.consecutive, prometheus.GaugeValue, float64(s.Consecutive), name)
		since := h.s.started
		if s.LastSuccess.After(since) {
			since = s.LastSuccess
		}
		ch <- prometheus.MustNewConstMetric(h.lastSuccess, prometheus.GaugeValue, h.s.since(since).Seconds(), name)
	}
	for _, name := range st.router.Names() {
		r := st.router.Route(name)
		for t, b := range r.Breakers {
			ch <- prometheus.MustNewConstMetric(h.state, prometheus.GaugeValue, stateValue(b.State()), name, t.Name)
			score, _ := health.Score(stats[t.Name], r.SLA)
			ch <- prometheus.MustNewConstMetric(h.score, prometheus.GaugeValue, score, name, t.Name)
		}
	}
	table := st.router.Table()
	if table == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(h.version, prometheus.GaugeValue, float64(table.Version))
	ch <- prometheus.MustNewConstMetric(h.age, prometheus.GaugeValue, h.s.since(table.At).Seconds())
	// Live weights: the shared table's while one is in force.
	for _, name := range st.router.Names() {
		rs := st.router.Route(name).Live()
		if rs == nil {
			continue
		}
		for _, m := range rs.Members {
			ch <- prometheus.MustNewConstMetric(h.weight, prometheus.GaugeValue, m.Weight, name, m.Target.Name)
		}
	}
}

func stateValue(s breaker.State) float64 {
	switch s {
	case breaker.HalfOpen:
		return 1
	case breaker.Open:
		return 2
	}
	return 0
}
