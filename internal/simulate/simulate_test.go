package simulate

import (
	"bytes"
	"math"
	"os"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/config"
)

// run parses a config (nil: the embedded default) and a scenario and runs
// them.
func run(t *testing.T, cfgYAML []byte, scenario string) *Result {
	t.Helper()
	if cfgYAML == nil {
		cfgYAML = config.Default()
	}
	cfg, err := config.Parse(cfgYAML, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ParseScenario([]byte(scenario))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(cfg, sc)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// target returns the named target's column in a second.
func target(t *testing.T, sec Second, name string) TargetSecond {
	t.Helper()
	for _, ts := range sec.Targets {
		if ts.Name == name {
			return ts
		}
	}
	t.Fatalf("no target %q in %+v", name, sec)
	return TargetSecond{}
}

const outage = `seed: 1
duration: 40s
rate: 20
route: smart
baseline: {latency: 150ms, ttft: 100ms, tokens_per_second: 100}
timeline:
  - {at: 10s, provider: primary, fault: {status: 503}}
`

// TestSimulateOutage: a hard outage of the primary takes its share to 0
// within 2 virtual seconds, with no client errors while a fallback is
// healthy, and trips its breaker.
func TestSimulateOutage(t *testing.T) {
	res := run(t, nil, outage)
	if s := res.Summary; s.Errors != 0 || s.Busy != 0 || s.Served != s.Requests || s.Requests != 800 {
		t.Fatalf("summary %+v", s)
	}
	if before := target(t, res.Seconds[9], "gpt-primary").Share; before < 0.5 {
		t.Fatalf("primary served %.0f%% before the outage", 100*before)
	}
	for _, sec := range res.Seconds[12:] {
		if p := target(t, sec, "gpt-primary"); p.Served != 0 {
			t.Errorf("%ds: primary served %d requests, 2s and more after the outage", sec.At, p.Served)
		}
	}
	f := res.Summary.Faults[0]
	if f.ZeroAfter == nil || time.Duration(*f.ZeroAfter) > 2*time.Second {
		t.Errorf("share fell to 0 after %v, want within 2s", f.ZeroAfter)
	}
	if f.BackAfter != nil {
		t.Errorf("the primary served again %v after the outage, which never ended", *f.BackAfter)
	}
	if b := target(t, res.Seconds[11], "gpt-primary").Breaker; b != "open" {
		t.Errorf("primary's breaker %s at 11s", b)
	}
}

const slaConfig = `
providers:
  primary: {type: openai, base_url: "http://127.0.0.1:1/v1"}
  secondary: {type: openai, base_url: "http://127.0.0.1:2/v1"}
targets:
  a: {provider: primary, model: m}
  b: {provider: secondary, model: m}
routes:
  r:
    strategy: weighted
    targets: [{target: a, weight: 70}, {target: b, weight: 30}]
    health: {p99_latency: 1s, min_requests: 10, max_step: 20%}
`

// TestSimulateLatencyShiftsWeights: a latency degradation over the SLA
// moves the weighted route's live weight down in steps of at most
// max_step × base per interval, to 0, and back up the same way once the
// slow samples have left the window, never in one jump.
func TestSimulateLatencyShiftsWeights(t *testing.T) {
	res := run(t, []byte(slaConfig), `seed: 3
duration: 80s
rate: 20
baseline: {latency: 50ms, ttft: 100ms, tokens_per_second: 200}
timeline:
  - {at: 10s, provider: primary, fault: {ttft: 3s}}
  - {at: 20s, provider: primary, clear: true}
`)
	const base, maxStep = 70.0, 0.2 * 70
	var weights []float64
	for _, sec := range res.Seconds {
		weights = append(weights, *target(t, sec, "a").Weight)
	}
	low, lowAt := base, 0
	for k := 1; k < len(weights); k++ {
		if d := math.Abs(weights[k] - weights[k-1]); d > maxStep+1e-9 {
			t.Errorf("%ds: weight moved %.1f → %.1f, more than max_step × base = %.0f", k, weights[k-1], weights[k], maxStep)
		}
		if weights[k] < low {
			low, lowAt = weights[k], k
		}
	}
	if low != 0 {
		t.Fatalf("weights %v: never reached 0 with a p99 three times the SLA", weights)
	}
	down, up := distinct(weights[10:lowAt+1]), distinct(weights[lowAt:])
	if down < 4 || up < 4 {
		t.Errorf("weights %v: %d values on the way down and %d on the way up; want steps", weights, down, up)
	}
	if last := weights[len(weights)-1]; last != base {
		t.Errorf("weights %v: ended at %.0f, not back at base", weights, last)
	}
	if res.Summary.Errors != 0 {
		t.Errorf("%d client errors; a slow target is not a failing one", res.Summary.Errors)
	}
	f := res.Summary.Faults[0]
	if f.WeightBack == nil || time.Duration(*f.WeightBack) < 30*time.Second {
		t.Errorf("weight back after %v; the slow samples stay in the 30s window", f.WeightBack)
	}
}

func distinct(ws []float64) int {
	seen := map[float64]bool{}
	for _, w := range ws {
		seen[w] = true
	}
	return len(seen)
}

const hangConfig = `
providers:
  primary: {type: openai, base_url: "http://127.0.0.1:1/v1"}
  secondary: {type: openai, base_url: "http://127.0.0.1:2/v1"}
targets:
  a: {provider: primary, model: m}
  b: {provider: secondary, model: m}
routes:
  r:
    strategy: ordered
    targets: [a, b]
    timeouts: {first_token: 1s, total: 10s}
    breaker: {consecutive_failures: 3, cooldown: 5s, max_cooldown: 5s}
`

// TestSimulateBreakerOpensOnHang: a target that hangs times out three
// times in a row and its breaker opens; each cooldown brings one
// half-open probe, and once the target answers again a probe closes the
// breaker and the target serves again. No client sees an error.
func TestSimulateBreakerOpensOnHang(t *testing.T) {
	res := run(t, []byte(hangConfig), `seed: 5
duration: 40s
rate: 10
baseline: {latency: 20ms}
timeline:
  - {at: 5s, provider: primary, fault: {hang_before_headers: true}}
  - {at: 22s, provider: primary, clear: true}
`)
	if res.Summary.Errors != 0 {
		t.Fatalf("client errors: %+v", res.Summary)
	}
	openAt := -1
	var probes []int
	for _, sec := range res.Seconds {
		a := target(t, sec, "a")
		if a.Breaker == "open" && openAt < 0 {
			openAt = sec.At
		}
		for range a.HalfOpenProbes {
			probes = append(probes, sec.At)
		}
	}
	if openAt < 5 || openAt > 6 {
		t.Fatalf("breaker opened at %ds; want at 5s or 6s, three 1s timeouts after the hang", openAt)
	}
	// Cooldown 5s ±10%: the first probe comes 4.5s–5.5s after the trip
	// (itself at 6s–7s: three timeouts of 1s from 5s on).
	if len(probes) < 3 || probes[0] < 10 || probes[0] > 13 {
		t.Fatalf("probes in seconds %v; want the first about 5s after the trip and one per cooldown", probes)
	}
	for i := 1; i < len(probes); i++ {
		if gap := probes[i] - probes[i-1]; gap < 5 || gap > 7 {
			t.Errorf("probes in seconds %v: %ds apart, want a cooldown (5s) plus the probe's timeout", probes, gap)
		}
	}
	last := res.Seconds[len(res.Seconds)-1]
	if a := target(t, last, "a"); a.Breaker != "closed" || a.Share != 1 {
		t.Errorf("at the end: %+v; want the breaker closed and a serving everything", a)
	}
	if back := probes[len(probes)-1]; back < 22 || back > 29 {
		t.Errorf("the closing probe came at %ds; want one cooldown after the clear at 22s", back)
	}
}

// TestSimulateDeterministic: the same config, scenario and seed give the
// same bytes, text and JSON; another seed gives another run.
func TestSimulateDeterministic(t *testing.T) {
	scenario := `seed: 1
duration: 30s
rate: 50
route: smart
baseline: {latency: 100ms, ttft: 100ms, tokens_per_second: 50}
timeline:
  - {at: 5s, provider: primary, fault: {status: 500, share: 0.4}}
  - {at: 15s, provider: secondary, fault: {ttft: 2500ms, share: 0.5}}
`
	render := func(sc string) (string, string) {
		res := run(t, nil, sc)
		var text, js bytes.Buffer
		if err := res.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if err := res.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		return text.String(), js.String()
	}
	text1, json1 := render(scenario)
	text2, json2 := render(scenario)
	if text1 != text2 || json1 != json2 {
		t.Fatal("two runs of the same scenario differ")
	}
	text3, _ := render("seed: 2\n" + scenario[len("seed: 1\n"):])
	if text3 == text1 {
		t.Error("seeds 1 and 2 gave the same run")
	}
}

// TestSimulateExamples runs the scenarios checked in under docs/examples
// against the embedded default config.
func TestSimulateExamples(t *testing.T) {
	for _, name := range []string{"outage.yaml", "slow-primary.yaml"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile("../../docs/examples/" + name)
			if err != nil {
				t.Fatal(err)
			}
			res := run(t, nil, string(b))
			if res.Summary.Requests == 0 || len(res.Steps) == 0 {
				t.Errorf("summary %+v, %d steps", res.Summary, len(res.Steps))
			}
		})
	}
}
