package gateway

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/backstophq/backstop/internal/probe"
)

// probeCounter is what the probe collector reads: a *probe.Prober.
type probeCounter interface {
	Counts() map[string]probe.Counts
}

var _ probeCounter = (*probe.Prober)(nil)

// probeCollector exports the active health probes' counters as
// backstop_probes_total{target,result}, with result "ok", "failed" or
// "skipped". It reads the prober's atomics when /metrics is scraped.
type probeCollector struct {
	probes probeCounter
	total  *prometheus.Desc
}

func newProbeCollector(probes probeCounter) *probeCollector {
	return &probeCollector{
		probes: probes,
		total: prometheus.NewDesc("backstop_probes_total",
			"Active health probes by target and result: ok (a first token in time), failed (anything else; whether it counted against the target's health follows the rules of live attempts) or skipped (due while the previous probe still ran).",
			[]string{"target", "result"}, nil),
	}
}

func (c *probeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.total }

func (c *probeCollector) Collect(ch chan<- prometheus.Metric) {
	for name, n := range c.probes.Counts() {
		ch <- prometheus.MustNewConstMetric(c.total, prometheus.CounterValue, float64(n.OK), name, "ok")
		ch <- prometheus.MustNewConstMetric(c.total, prometheus.CounterValue, float64(n.Failed), name, "failed")
		ch <- prometheus.MustNewConstMetric(c.total, prometheus.CounterValue, float64(n.Skipped), name, "skipped")
	}
}
