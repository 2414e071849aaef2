// Package metrics defines Backstop's Prometheus metrics. Every metric is
// created here, with its labels, so that names and label sets stay in one
// place and a dashboard can be written against this file.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Request outcomes, the values of the "outcome" label of
// backstop_requests_total.
const (
	// OK: a target answered.
	OK = "ok"
	// ExhaustedMessage: every attempt failed; the route's polite message
	// was served.
	ExhaustedMessage = "exhausted_message"
	// ExhaustedError: every attempt failed; the client got an error.
	ExhaustedError = "exhausted_error"
	// UpstreamRefused: a target refused the request with a non-retryable
	// error (for example 400 context too long).
	UpstreamRefused = "upstream_refused"
	// StreamFailed: the stream broke after the gateway committed to a
	// target; the client got an error event.
	StreamFailed = "stream_failed"
	// Canceled: the client went away.
	Canceled = "canceled"
	// BadRequest: the gateway refused the request itself.
	BadRequest = "bad_request"
)

// Metrics are the gateway's metrics.
type Metrics struct {
	Registry *prometheus.Registry

	// Requests counts client requests by route, serving target and
	// outcome. Target is "" when no target served.
	Requests *prometheus.CounterVec
	// Attempts counts attempts by route, target and result ("ok" or a
	// failure reason: "503", "connect", "timeout", …).
	Attempts *prometheus.CounterVec
	// Fallbacks counts moves from one target to the next within a request
	// by route, from, to and reason.
	Fallbacks *prometheus.CounterVec
	// Latency is the duration of client requests, by route and target.
	Latency *prometheus.HistogramVec
	// TTFT is the time from receiving a streamed request to sending its
	// first content chunk, by route and target.
	TTFT *prometheus.HistogramVec
	// Hedges counts hedged requests by route, hedge target and result
	// ("first_won", "hedge_won", "both_failed").
	Hedges *prometheus.CounterVec
	// ConfigReloads counts config reloads by result ("ok", "error").
	ConfigReloads *prometheus.CounterVec
	// Continuations counts streams cut after commit and continued on
	// another target, by route, from, to and result.
	Continuations *prometheus.CounterVec
	// Drills counts fire-drill requests by route, drilled fallback target
	// and result ("ok" when the fallback served, else its failure).
	Drills *prometheus.CounterVec
}

// latencyBuckets span a cached answer (5 ms) to a long generation (2 min).
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60, 120}

// New creates the metrics in a fresh registry, with the Go runtime and
// process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: reg,
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "backstop_requests_total",
			Help: "Client requests by route, serving target and outcome.",
		}, []string{"route", "target", "outcome"}),
		Attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "backstop_attempts_total",
			Help: "Attempts on targets by route, target and result (ok or a failure reason).",
		}, []string{"route", "target", "result"}),
		Fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "backstop_fallbacks_total",
			Help: "Moves from one target to the next within a request, by route, from, to and reason.",
		}, []string{"route", "from", "to", "reason"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "backstop_request_duration_seconds",
			Help:    "Duration of client requests, from receipt to the last byte, by route and serving target.",
			Buckets: latencyBuckets,
		}, []string{"route", "target"}),
		TTFT: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "backstop_ttft_seconds",
			Help:    "Time from receiving a streamed request to sending its first content chunk, by route and target.",
			Buckets: latencyBuckets,
		}, []string{"route", "target"}),
	}
	m.Drills = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "backstop_drills_total",
		Help: "Fire-drill requests sent to a fallback while the primary was healthy, by route, target and result.",
	}, []string{"route", "target", "result"})
	m.Hedges = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "backstop_hedges_total",
		Help: "Hedges started because a target was slow to its first token, by route, hedge target and result.",
	}, []string{"route", "target", "result"})
	m.Continuations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "backstop_continuations_total",
		Help: "Streams cut after they began and continued on a prefill-capable target, by route, from, to and result.",
	}, []string{"route", "from", "to", "result"})
	m.ConfigReloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "backstop_config_reloads_total",
		Help: "Config reloads by result: ok (the new config serves), error (refused; the old one keeps serving).",
	}, []string{"result"})
	reg.MustRegister(m.Requests, m.Attempts, m.Fallbacks, m.Latency, m.TTFT, m.Drills, m.Hedges, m.Continuations, m.ConfigReloads)
	return m
}

// For returns the hot-path instruments of one route and target, resolved
// once so that a request does not look labels up.
func (m *Metrics) For(route, target string) *Target {
	return &Target{
		OK:       m.Requests.WithLabelValues(route, target, OK),
		Attempt:  m.Attempts.WithLabelValues(route, target, OK),
		Latency:  m.Latency.WithLabelValues(route, target),
		TTFT:     m.TTFT.WithLabelValues(route, target),
		route:    route,
		target:   target,
		requests: m.Requests,
		attempts: m.Attempts,
	}
}

// Target holds one route and target's instruments.
type Target struct {
	OK      prometheus.Counter
	Attempt prometheus.Counter
	Latency prometheus.Observer
	TTFT    prometheus.Observer

	route, target      string
	requests, attempts *prometheus.CounterVec
}

// Failed counts a failed attempt with its reason.
func (t *Target) Failed(reason string) {
	t.attempts.WithLabelValues(t.route, t.target, reason).Inc()
}

// Request counts a request that this target ended with outcome.
func (t *Target) Request(outcome string) {
	if outcome == OK {
		t.OK.Inc()
		return
	}
	t.requests.WithLabelValues(t.route, t.target, outcome).Inc()
}
