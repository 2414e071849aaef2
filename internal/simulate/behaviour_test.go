package simulate

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// twoTargets is a config with targets a (provider pa) and b (provider pb)
// and one route r whose body is route, indented under it.
func twoTargets(route string, targetExtra ...string) []byte {
	extra := [2]string{}
	copy(extra[:], targetExtra)
	return fmt.Appendf(nil, `
providers:
  pa: {type: openai, base_url: "http://127.0.0.1:1/v1"}
  pb: {type: openai, base_url: "http://127.0.0.1:2/v1"}
targets:
  a: {provider: pa, model: m%s}
  b: {provider: pb, model: m%s}
routes:
  r:
%s`, extra[0], extra[1], indent(route))
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestSimulateNeverEjectsAll: when the only target's breaker is open,
// requests still try it (without a permit), as the gateway's admit does,
// and the client gets the exhaustion error once it fails.
func TestSimulateNeverEjectsAll(t *testing.T) {
	res := run(t, twoTargets("targets: [a]\nbreaker: {consecutive_failures: 3, cooldown: 30s}"), `duration: 10s
rate: 10
timeline:
  - {at: 2s, provider: pa, fault: {status: 503}}
`)
	for _, sec := range res.Seconds[3:] {
		a := target(t, sec, "a")
		if a.Breaker != "open" || a.Attempts != 10 || sec.Errors != 10 {
			t.Errorf("%ds: breaker %s, %d attempts, %d errors; want open, and every request tried anyway and failed", sec.At, a.Breaker, a.Attempts, sec.Errors)
		}
	}
	if by := res.Summary.ErrorsBy; by["exhausted"] != 80 {
		t.Errorf("errors by reason %v; want 80 exhausted", by)
	}
}

// TestSimulateRetryAfter: a 429 with retry-after-ms is retried on the
// same target after exactly that wait, and gives up once the target's
// attempts are spent.
func TestSimulateRetryAfter(t *testing.T) {
	res := run(t, twoTargets("targets: [a]\nretry: {attempts: 2, max_wait: 2s}\nbreaker: {consecutive_failures: 0, error_rate: 0}"), `duration: 5s
rate: 4
baseline: {latency: 20ms}
timeline:
  - {at: 0s, provider: pa, fault: {status: 429, retry_after_ms: 300ms}}
`)
	s := res.Summary
	if s.Retries != 20 || s.ErrorsBy["exhausted"] != 20 {
		t.Fatalf("summary %+v; want one retry per request, then exhaustion", s)
	}
	if want := Millis(340 * time.Millisecond); s.P50 != want || s.P99 != want {
		t.Errorf("latency p50 %v p99 %v; want 20ms + the 300ms Retry-After + 20ms", time.Duration(s.P50), time.Duration(s.P99))
	}
}

// TestSimulateHedging: a hedge on a primary with a slow first token cuts
// the p99, and the hedge budget bounds the hedges.
func TestSimulateHedging(t *testing.T) {
	scenario := `duration: 20s
rate: 10
baseline: {latency: 50ms, ttft: 100ms}
timeline:
  - {at: 0s, provider: pa, fault: {ttft: 2s, share: 0.2}}
`
	plain := run(t, twoTargets("targets: [a, b]"), scenario)
	hedged := run(t, twoTargets("targets: [a, b]\nhedge: {after: 500ms, max_extra: 100%}"), scenario)
	if plain.Summary.Hedges != 0 || hedged.Summary.Hedges < 30 || hedged.Summary.HedgeWins != hedged.Summary.Hedges {
		t.Fatalf("hedges: plain %+v, hedged %+v", plain.Summary, hedged.Summary)
	}
	if p, h := time.Duration(plain.Summary.P99), time.Duration(hedged.Summary.P99); p < 2*time.Second || h > 700*time.Millisecond {
		t.Errorf("p99 %v without hedging, %v with; want about 2s and about 650ms", p, h)
	}
	budget := run(t, twoTargets("targets: [a, b]\nhedge: {after: 500ms, max_extra: 5%}"), scenario)
	if n := budget.Summary.Hedges; n == 0 || n > 200*5/100+1 {
		t.Errorf("%d hedges for 200 requests with max_extra 5%%; want 1 to 11", n)
	}
}

// TestSimulateContinueOnCut: a stream cut after it began is continued on
// a target that takes a prefill, so the client sees no error; without
// one, the client sees the cut.
func TestSimulateContinueOnCut(t *testing.T) {
	scenario := `duration: 5s
rate: 10
baseline: {tokens_per_second: 100}
timeline:
  - {at: 0s, provider: pa, fault: {cut_after_chunks: 5}}
`
	// No breaker: it would take a out after five cuts.
	route := "targets: [a, b]\ncontinue_on_cut: true\nbreaker: {consecutive_failures: 0, error_rate: 0}"
	res := run(t, twoTargets(route, "", ", prefill: true"), scenario)
	if s := res.Summary; s.Errors != 0 || s.Continuations != 50 || s.Shares[1] != 1 {
		t.Errorf("with a prefill target: %+v", s)
	}
	res = run(t, twoTargets(route), scenario)
	if s := res.Summary; s.ErrorsBy["midstream_stream_cut"] != 50 || s.Continuations != 0 {
		t.Errorf("without one: %+v", s)
	}
}

// TestSimulateDrill: a drill sends its share of requests to the fallback
// first while the primary is healthy.
func TestSimulateDrill(t *testing.T) {
	res := run(t, twoTargets("targets: [a]\nfallbacks: [b]\ndrill: 10%"), "duration: 50s\nrate: 20\n")
	s := res.Summary
	if s.Drills < 70 || s.Drills > 130 || s.Shares[1] != float64(s.Drills)/1000 || s.Errors != 0 {
		t.Errorf("summary %+v; want about 100 drills, each served by the fallback", s)
	}
}

// TestSimulateDeadlines: a hang with no first-token timeout ends at the
// total deadline, which exhausts the request, or answers with the
// route's message when it has one; with no deadline either, the request
// is stuck, and the run still ends.
func TestSimulateDeadlines(t *testing.T) {
	scenario := `duration: 3s
rate: 2
stream: false
timeline:
  - {at: 1s, provider: pa, fault: {hang_before_headers: true}}
`
	res := run(t, twoTargets("targets: [a]\ntimeouts: {response: 0s, first_token: 0s, total: 4s}"), scenario)
	if s := res.Summary; s.ErrorsBy["deadline"] != 4 || s.Served != 2 || s.P99 != Millis(4*time.Second) {
		t.Errorf("deadline: %+v", s)
	}
	res = run(t, twoTargets("targets: [a]\ntimeouts: {response: 0s, first_token: 0s, total: 4s}\non_exhausted: {message: busy}"), scenario)
	if s := res.Summary; s.Busy != 4 || s.Errors != 0 {
		t.Errorf("busy: %+v", s)
	}
	res = run(t, twoTargets("targets: [a]\ntimeouts: {response: 0s, first_token: 0s, total: 0s}"), scenario)
	if s := res.Summary; s.ErrorsBy["stuck"] != 4 || s.Served != 2 {
		t.Errorf("stuck: %+v", s)
	}
}

// TestSimulateProbeRecovers: active health probes of a target fail while
// it is down and feed its health window; once it answers again, the
// first passing probe closes its breaker, long before the cooldown ends.
func TestSimulateProbeRecovers(t *testing.T) {
	res := run(t, twoTargets("targets: [a, b]\nbreaker: {consecutive_failures: 3, cooldown: 60s, max_cooldown: 60s}", ", probe: {interval: 2s, timeout: 1s, jitter: 0%}"), `duration: 30s
rate: 10
timeline:
  - {at: 5s, provider: pa, fault: {status: 503}}
  - {at: 15s, provider: pa, clear: true}
`)
	var sent, failed int
	closedAt := -1
	for _, sec := range res.Seconds {
		a := target(t, sec, "a")
		sent += a.HealthProbes
		failed += a.HealthProbesFailed
		if sec.At >= 15 && a.Breaker == "closed" && closedAt < 0 {
			closedAt = sec.At
		}
	}
	// Every 2s from 2s: 14 in 30s, those at 6s to 14s failing.
	if sent != 14 || failed != 5 {
		t.Errorf("%d health probes sent, %d failed; want 14 and 5", sent, failed)
	}
	if closedAt < 15 || closedAt > 16 {
		t.Errorf("a's breaker closed at %ds; want by the probe at 16s, not after the 60s cooldown", closedAt)
	}
	if s := res.Summary; s.Recoveries != 1 || s.HealthProbes != 14 || s.Errors != 0 {
		t.Errorf("summary %+v", s)
	}
}
