package metrics

import "github.com/prometheus/client_golang/prometheus"

// Table sources, the values of the "source" label of
// backstop_table_source.
const (
	SourceShared = "shared"
	SourceLocal  = "local"
)

// Fleet are a gateway's metrics of the shared routing table.
type Fleet struct {
	// Source is 1 for the source of the live weights in force ("shared"
	// or "local") and 0 for the other.
	Source *prometheus.GaugeVec
	// Version is the version of the last shared table applied.
	Version prometheus.Gauge
	// ApplyDelay is the time from a table's publication to its
	// application on this gateway (clocks of two hosts: NTP-accurate).
	ApplyDelay prometheus.Histogram
	// Stale counts falls back to local health because no fresh table
	// arrived within stale_after.
	Stale prometheus.Counter
}

// applyBuckets span a local pub/sub hop (1 ms) to a kubelet sync (2 min).
var applyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}

// NewFleet creates the gateway's fleet metrics in reg.
func NewFleet(reg prometheus.Registerer) *Fleet {
	f := &Fleet{
		Source: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "backstop_table_source",
			Help: "Source of the live weights in force: 1 for shared (the fleet's table) or local (this gateway's health), 0 for the other.",
		}, []string{"source"}),
		Version: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "backstop_table_version",
			Help: "Version of the last shared routing table applied.",
		}),
		ApplyDelay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "backstop_table_apply_delay_seconds",
			Help:    "Time from a shared table's publication by the checker to its application on this gateway.",
			Buckets: applyBuckets,
		}),
		Stale: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "backstop_table_stale_total",
			Help: "Falls back to local health because no fresh shared table arrived within stale_after.",
		}),
	}
	f.Source.WithLabelValues(SourceShared).Set(0)
	f.Source.WithLabelValues(SourceLocal).Set(1)
	reg.MustRegister(f.Source, f.Version, f.ApplyDelay, f.Stale)
	return f
}

// Checker are the metrics of `backstop check`.
type Checker struct {
	Registry *prometheus.Registry
	// Leader is 1 while this checker holds the lease.
	Leader prometheus.Gauge
	// Publishes counts publications by sink and result ("ok", "error",
	// "fenced", or "superseded" when a file or ConfigMap already holds a
	// newer table).
	Publishes *prometheus.CounterVec
	// LeaseTransitions counts changes of leadership of this checker, by
	// the state entered ("leader", "standby").
	LeaseTransitions *prometheus.CounterVec
}

// NewChecker creates the checker's metrics in a fresh registry.
func NewChecker() *Checker {
	reg := prometheus.NewRegistry()
	c := &Checker{
		Registry: reg,
		Leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "backstop_checker_leader",
			Help: "1 while this checker holds the leader lease and publishes the routing table.",
		}),
		Publishes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "backstop_checker_publishes_total",
			Help: "Routing table publications by sink (redis, file, configmap) and result (ok, error, fenced).",
		}, []string{"sink", "result"}),
		LeaseTransitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "backstop_checker_lease_transitions_total",
			Help: "Leadership changes of this checker, by the state entered (leader, standby).",
		}, []string{"to"}),
	}
	reg.MustRegister(c.Leader, c.Publishes, c.LeaseTransitions)
	return c
}
