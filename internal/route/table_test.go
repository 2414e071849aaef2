package route

import (
	"math"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/health"
)

// tableRouter builds a weighted 70/30 route over targets a and b with a
// latency SLA of 1s, on a fake clock.
func tableRouter(t *testing.T) (*Router, *clock.Fake) {
	t.Helper()
	cfg, err := config.Parse([]byte(`
providers: {p: {type: openai, base_url: "http://127.0.0.1:9/v1"}}
targets: {a: {provider: p, model: m}, b: {provider: p, model: m}}
routes:
  r:
    strategy: weighted
    targets: [{target: a, weight: 70}, {target: b, weight: 30}]
    health: {p99_latency: 1s, min_requests: 5, max_step: 20%}
    breaker: {consecutive_failures: 0, error_rate: 0}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	fake := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rt, err := Build(cfg, Options{Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	return rt, fake
}

func record(t *Target, n int, ttft time.Duration) {
	for i := 0; i < n; i++ {
		t.Health.Record(health.Outcome{Success: true, Counted: true, Latency: ttft, TTFT: ttft})
	}
}

func weights(tb *Table) (a, b float64) {
	m := tb.Routes["r"].Members
	return m[0].Weight, m[1].Weight
}

// TestWeightsShiftGraduallyAndRampBack drives a target's latency over
// the SLA and back, one table update per virtual second, and checks that
// its live weight moves in bounded steps both ways.
func TestWeightsShiftGraduallyAndRampBack(t *testing.T) {
	rt, fake := tableRouter(t)
	a, b := rt.Targets()["a"], rt.Targets()["b"]
	tb := rt.UpdateTable(fake.Now())
	if wa, wb := weights(tb); wa != 70 || wb != 30 || tb.Version != 1 {
		t.Fatalf("first table: %v/%v version %d, want 70/30 version 1", wa, wb, tb.Version)
	}
	const maxStep = 0.2 * 70
	var down []float64
	prev := 70.0
	for i := 0; i < 10; i++ {
		fake.Advance(time.Second)
		record(a, 20, 4*time.Second) // p99 four times the SLA
		record(b, 20, 100*time.Millisecond)
		wa, wb := weights(rt.UpdateTable(fake.Now()))
		if wb != 30 {
			t.Fatalf("healthy b's weight moved to %v", wb)
		}
		if wa > prev || prev-wa > maxStep+1e-9 {
			t.Fatalf("step %d: a's weight went %v → %v, want down by at most %v", i, prev, wa, maxStep)
		}
		down = append(down, wa)
		prev = wa
	}
	score := rt.Table().Routes["r"].Members[0].Score
	if score >= 1 || rt.Table().Routes["r"].Members[0].Reason == "" {
		t.Fatalf("a's score %v has no reason", score)
	}
	if math.Abs(prev-70*score) > 1e-9 {
		t.Fatalf("a settled at %v, want base × score = %v", prev, 70*score)
	}
	if down[0] != 70-maxStep {
		t.Fatalf("first step went to %v, want %v: the fall is not bounded", down[0], 70-maxStep)
	}
	t.Logf("a's weight while degraded: %v", down)

	// Recovery: the slow samples age out of the 30 s window, fast ones
	// come in, and the weight climbs back in steps.
	fake.Advance(31 * time.Second)
	var up []float64
	for i := 0; i < 10; i++ {
		fake.Advance(time.Second)
		record(a, 20, 100*time.Millisecond)
		wa, _ := weights(rt.UpdateTable(fake.Now()))
		if wa < prev || wa-prev > maxStep+1e-9 {
			t.Fatalf("recovery step %d: %v → %v, want up by at most %v", i, prev, wa, maxStep)
		}
		up = append(up, wa)
		prev = wa
	}
	if prev != 70 {
		t.Fatalf("a ended at %v, want back at 70", prev)
	}
	t.Logf("a's weight while recovering: %v", up)
}

// TestFlappingIsBounded alternates a target between far over the SLA and
// healthy every second: its live weight may never move more than one
// step per update.
func TestFlappingIsBounded(t *testing.T) {
	rt, fake := tableRouter(t)
	a := rt.Targets()["a"]
	prev, _ := weights(rt.UpdateTable(fake.Now()))
	for i := 0; i < 40; i++ {
		fake.Advance(time.Second)
		if i%2 == 0 {
			record(a, 30, 10*time.Second)
		} else {
			record(a, 30, 50*time.Millisecond)
		}
		wa, _ := weights(rt.UpdateTable(fake.Now()))
		if math.Abs(wa-prev) > 0.2*70+1e-9 {
			t.Fatalf("update %d moved a's weight by %v", i, wa-prev)
		}
		prev = wa
	}
}
