package simulate

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/backstophq/backstop/internal/breaker"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/mock"
)

// row is what the run saw of one virtual second while it ran.
type row struct {
	targets []targetSample
}

// targetSample is one target in one second.
type targetSample struct {
	member       bool // a primary target, which has a live weight
	weight       float64
	score        float64
	reason       string
	breaker      breaker.State
	attempts     int // attempts started in the second
	probes       int // of which half-open probes
	healthProbes int // active health probes sent in the second
	healthFailed int // of which failed
}

func newRow(n int) row { return row{targets: make([]targetSample, n)} }

// counts are the run's totals of what the gateway counts in metrics.
type counts struct {
	drills, hedges, hedgeWins, continuations, retries int
	// Active health probes: ended (sent and over), failed, skipped, and
	// the breakers a passing probe closed.
	probes, probesFailed, probesSkipped, recoveries int
}

// Result is a run: one Second per virtual second of arrivals, the
// timeline's steps, and a summary. Requests are counted in the second
// they arrived in; weights are the routing table in force during the
// second, breakers their state at its end.
type Result struct {
	// Config and Scenario name the run's inputs in the header; the caller
	// sets them (Run leaves them empty).
	Config   string `json:"config,omitempty"`
	Scenario string `json:"scenario,omitempty"`

	Route    string   `json:"route"`
	Strategy string   `json:"strategy"`
	Seed     uint64   `json:"seed"`
	Rate     float64  `json:"rate"`
	Duration Millis   `json:"duration_ms"`
	Stream   bool     `json:"stream"`
	Tokens   int      `json:"tokens"`
	Interval Millis   `json:"health_interval_ms"`
	Targets  []Target `json:"targets"`
	Seconds  []Second `json:"seconds"`
	Steps    []Step   `json:"steps"`
	Summary  Summary  `json:"summary"`
}

// Target is one target of the route, members first, in config order.
type Target struct {
	Name     string `json:"name"`
	Provider string `json:"provider"`
	// Weight is the base weight of a primary target; nil for a fallback.
	Weight *int `json:"weight,omitempty"`
}

// Millis is a duration written in JSON as milliseconds.
type Millis time.Duration

// MarshalJSON writes m in milliseconds, to the microsecond.
func (m Millis) MarshalJSON() ([]byte, error) {
	return []byte(formatFloat(math.Round(float64(m)/1e3) / 1e3)), nil
}

// Second is one virtual second.
type Second struct {
	At       int            `json:"at_s"`
	Targets  []TargetSecond `json:"targets"`
	Requests int            `json:"requests"`
	Errors   int            `json:"errors"`
	Busy     int            `json:"busy"`
	// P50 and P99 are of the client's latency, to the end of the answer
	// (or of the error); TTFT50 and TTFT99 of its time to the first byte
	// of a streamed answer. 0 when there is none.
	P50    Millis `json:"p50_ms"`
	P99    Millis `json:"p99_ms"`
	TTFT50 Millis `json:"ttft_p50_ms"`
	TTFT99 Millis `json:"ttft_p99_ms"`
}

// TargetSecond is one target in one second.
type TargetSecond struct {
	Name string `json:"name"`
	// Weight and Score are a primary target's live weight and health
	// score in the routing table, with the reason a score is below 1.
	Weight  *float64 `json:"weight,omitempty"`
	Score   *float64 `json:"score,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Breaker string   `json:"breaker"`
	// Served is the requests it answered in full; Share their share of
	// the second's requests.
	Served int     `json:"served"`
	Share  float64 `json:"share"`
	// Attempts is the attempts started on it, of which HalfOpenProbes
	// were a half-open breaker's probes.
	Attempts       int `json:"attempts"`
	HalfOpenProbes int `json:"half_open_probes"`
	// HealthProbes is the active health probes (probe: in the config)
	// sent to it, of which HealthProbesFailed failed.
	HealthProbes       int `json:"health_probes"`
	HealthProbesFailed int `json:"health_probes_failed"`
}

// Step is a timeline step as it was played.
type Step struct {
	At       Millis `json:"at_ms"`
	Provider string `json:"provider"`
	// Fault is the fault it set, as mock.Fault.String gives it; "clear"
	// for a clear.
	Fault string `json:"fault"`
	Note  string `json:"note,omitempty"`
}

// result assembles the Result once the run is over.
func (s *sim) result(cfg *config.Config) (*Result, error) {
	res := &Result{
		Route: s.route.Name, Strategy: cfg.Routes[s.route.Name].Strategy, Seed: s.sc.Seed,
		Rate: s.sc.Rate, Duration: Millis(s.end), Stream: s.sc.Stream, Tokens: s.sc.Tokens,
		Interval: Millis(s.interval),
	}
	for _, m := range s.route.Members {
		w := m.Weight
		res.Targets = append(res.Targets, Target{Name: m.Target.Name, Provider: m.Target.Provider.Name(), Weight: &w})
	}
	for _, t := range s.targets[len(s.route.Members):] {
		res.Targets = append(res.Targets, Target{Name: t.Name, Provider: t.Provider.Name()})
	}
	for _, st := range s.sc.Timeline {
		res.Steps = append(res.Steps, stepOf(st))
	}
	res.Seconds = s.seconds()
	res.Summary = s.summary(res)
	return res, nil
}

func stepOf(st mock.Step) Step {
	f := "clear"
	if st.Fault != nil {
		f = st.Fault.String()
	}
	return Step{At: Millis(st.At), Provider: st.Provider, Fault: f, Note: st.Note}
}

// seconds turns the rows and the requests into the per-second timeline.
func (s *sim) seconds() []Second {
	out := make([]Second, len(s.rows))
	lat := make([][]time.Duration, len(s.rows))
	ttft := make([][]time.Duration, len(s.rows))
	served := make([][]int, len(s.rows))
	for k := range out {
		served[k] = make([]int, len(s.targets))
	}
	for _, r := range s.records {
		k := int(r.arrival / time.Second)
		sec := &out[k]
		sec.Requests++
		switch r.result {
		case resultOK:
			served[k][r.served]++
		case resultBusy:
			sec.Busy++
		default:
			sec.Errors++
		}
		if r.result != resultStuck {
			lat[k] = append(lat[k], r.end-r.arrival)
		}
		if r.ttft > 0 {
			ttft[k] = append(ttft[k], r.ttft)
		}
	}
	for k := range out {
		sec := &out[k]
		sec.At = k
		sec.P50, sec.P99 = percentiles(lat[k])
		sec.TTFT50, sec.TTFT99 = percentiles(ttft[k])
		for i, t := range s.targets {
			ts := s.rows[k].targets[i]
			x := TargetSecond{
				Name: t.Name, Breaker: ts.breaker.String(), Served: served[k][i], Attempts: ts.attempts,
				HalfOpenProbes: ts.probes, HealthProbes: ts.healthProbes, HealthProbesFailed: ts.healthFailed,
			}
			if sec.Requests > 0 {
				x.Share = float64(x.Served) / float64(sec.Requests)
			}
			if ts.member {
				w, sc := ts.weight, ts.score
				x.Weight, x.Score, x.Reason = &w, &sc, ts.reason
			}
			sec.Targets = append(sec.Targets, x)
		}
	}
	return out
}

// percentiles returns the nearest-rank 50th and 99th percentiles of ds,
// which it sorts; 0 when empty.
func percentiles(ds []time.Duration) (Millis, Millis) {
	if len(ds) == 0 {
		return 0, 0
	}
	slices.Sort(ds)
	rank := func(p float64) Millis {
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		return Millis(ds[max(i, 0)])
	}
	return rank(0.50), rank(0.99)
}

// Summary is the run's totals.
type Summary struct {
	Requests int `json:"requests"`
	Served   int `json:"served"`
	// Errors are client-visible errors, counted by reason in ErrorsBy:
	// "exhausted", "deadline" (exhausted by the total deadline),
	// "refused_400" (a failure the route does not retry),
	// "midstream_stream_cut" (a stream that broke after it began), and
	// "stuck" (never answered). Busy are the route's on_exhausted
	// answers.
	Errors   int            `json:"errors"`
	ErrorsBy map[string]int `json:"errors_by,omitempty"`
	Busy     int            `json:"busy"`
	// Shares are each target's share of all requests, in Targets order.
	Shares        []float64 `json:"shares"`
	P50           Millis    `json:"p50_ms"`
	P99           Millis    `json:"p99_ms"`
	Drills        int       `json:"drills"`
	Hedges        int       `json:"hedges"`
	HedgeWins     int       `json:"hedge_wins"`
	Continuations int       `json:"continuations"`
	Retries       int       `json:"retries_same_target"`
	// HealthProbes counts the active health probes that ended, of which
	// HealthProbesFailed failed; HealthProbesSkipped those due while the
	// previous one still ran; Recoveries the breakers a passing probe
	// closed.
	HealthProbes        int `json:"health_probes"`
	HealthProbesFailed  int `json:"health_probes_failed"`
	HealthProbesSkipped int `json:"health_probes_skipped"`
	Recoveries          int `json:"recoveries"`
	// Faults measure each fault step.
	Faults []FaultReport `json:"faults"`
}

func (s *sim) summary(res *Result) Summary {
	sum := Summary{
		Requests: len(s.records), ErrorsBy: map[string]int{}, Shares: make([]float64, len(s.targets)),
		Drills: s.counts.drills, Hedges: s.counts.hedges, HedgeWins: s.counts.hedgeWins,
		Continuations: s.counts.continuations, Retries: s.counts.retries,
		HealthProbes: s.counts.probes, HealthProbesFailed: s.counts.probesFailed,
		HealthProbesSkipped: s.counts.probesSkipped, Recoveries: s.counts.recoveries,
	}
	var lat []time.Duration
	for _, r := range s.records {
		switch r.result {
		case resultOK:
			sum.Served++
			sum.Shares[r.served]++
		case resultBusy:
			sum.Busy++
		case resultStuck:
			sum.Errors++
			sum.ErrorsBy[resultStuck]++
		default:
			sum.Errors++
			sum.ErrorsBy[r.reason]++
		}
		if r.result != resultStuck {
			lat = append(lat, r.end-r.arrival)
		}
	}
	for i := range sum.Shares {
		if sum.Requests > 0 {
			sum.Shares[i] /= float64(sum.Requests)
		}
	}
	sum.P50, sum.P99 = percentiles(lat)
	sum.Faults = s.faultReports(res)
	return sum
}

// FaultReport measures how the route reacted to one fault step on a
// provider: how long until that provider's targets served no request for
// a whole second, and how long until they served one again.
type FaultReport struct {
	Step Step `json:"step"`
	// Targets are the route's targets on the provider.
	Targets []string `json:"targets"`
	// Before is the provider's share of requests in the second before
	// the step; nil for a step in the first second.
	Before *float64 `json:"share_before,omitempty"`
	// ZeroAfter is the time from the step to the arrival of the first
	// request from which no request for a whole second was served by the
	// provider; nil if that never happened before the provider's next
	// step or the end.
	ZeroAfter *Millis `json:"zero_after_ms,omitempty"`
	// BackAfter is the time from the step to the arrival of the first
	// request served by the provider after ZeroAfter; nil if none was.
	BackAfter *Millis `json:"back_after_ms,omitempty"`
	// WeightBack is, for a primary target, the time from the step to the
	// start of the first second whose routing table has the provider's
	// live weights back at base after they had fallen below it; nil if
	// they never fell or never came back.
	WeightBack *Millis `json:"weight_back_after_ms,omitempty"`
}

// faultReports measures every fault step (not clears).
func (s *sim) faultReports(res *Result) []FaultReport {
	var out []FaultReport
	for i, st := range s.sc.Timeline {
		if st.Fault == nil {
			continue
		}
		on := map[int]bool{}
		fr := FaultReport{Step: res.Steps[i]}
		for k, t := range s.targets {
			if t.Provider.Name() == st.Provider {
				on[k] = true
				fr.Targets = append(fr.Targets, t.Name)
			}
		}
		if len(on) == 0 {
			out = append(out, fr)
			continue
		}
		stop := s.end
		for _, later := range s.sc.Timeline[i+1:] {
			if later.Provider == st.Provider && later.Fault != nil {
				stop = later.At.D()
				break
			}
		}
		s.measure(&fr, st.At.D(), stop, on, res)
		out = append(out, fr)
	}
	return out
}

// measure fills fr for a step at `at`, looking for the zero up to stop.
func (s *sim) measure(fr *FaultReport, at, stop time.Duration, on map[int]bool, res *Result) {
	byProvider := func(r record) bool { return r.result == resultOK && on[r.served] }
	if k := int(at/time.Second) - 1; k >= 0 {
		before := 0.0
		for t := range on {
			before += res.Seconds[k].Targets[t].Share
		}
		fr.Before = &before
	}
	reqs := s.records
	first := sort.Search(len(reqs), func(j int) bool { return reqs[j].arrival >= at })
	zero := -1
	next := first // the next request at or after j served by the provider
	for j := first; j < len(reqs) && reqs[j].arrival < stop; j++ {
		if next < j {
			next = j
		}
		for next < len(reqs) && !byProvider(reqs[next]) {
			next++
		}
		if (next == len(reqs) || reqs[next].arrival >= reqs[j].arrival+time.Second) && reqs[j].arrival+time.Second <= s.end {
			zero = j
			break
		}
	}
	weightBack(fr, at, on, res)
	if zero < 0 {
		return
	}
	z := Millis(reqs[zero].arrival - at)
	fr.ZeroAfter = &z
	for j := zero; j < len(reqs); j++ {
		if byProvider(reqs[j]) {
			b := Millis(reqs[j].arrival - at)
			fr.BackAfter = &b
			break
		}
	}
}

// weightBack fills fr.WeightBack: the first second after the step in
// which a live weight of the provider's targets is below base, then the
// first second after that in which they are all back to base.
func weightBack(fr *FaultReport, at time.Duration, on map[int]bool, res *Result) {
	low := func(k int) (below, member bool) {
		for t := range on {
			if w := res.Seconds[k].Targets[t].Weight; w != nil {
				member = true
				below = below || *w < float64(*res.Targets[t].Weight)-1e-9
			}
		}
		return below, member
	}
	dropped := false
	for k := int(at / time.Second); k < len(res.Seconds); k++ {
		below, member := low(k)
		switch {
		case !member:
			return
		case below:
			dropped = true
		case dropped:
			wb := Millis(time.Duration(k)*time.Second - at)
			fr.WeightBack = &wb
			return
		}
	}
}
