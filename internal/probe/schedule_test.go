package probe

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/route"
)

func TestScheduleWait(t *testing.T) {
	tests := []struct {
		name   string
		s      Schedule
		r      float64
		want   time.Duration
		within time.Duration
	}{
		{"no jitter", Schedule{Interval: 10 * time.Second}, 0.9, 10 * time.Second, 0},
		{"lowest draw", Schedule{Interval: 10 * time.Second, Jitter: 0.1}, 0, 9 * time.Second, 0},
		{"middle draw", Schedule{Interval: 10 * time.Second, Jitter: 0.1}, 0.5, 10 * time.Second, 0},
		{"highest draw", Schedule{Interval: 10 * time.Second, Jitter: 0.1}, 0.9999999, 11 * time.Second, time.Microsecond},
		{"full jitter keeps a floor", Schedule{Interval: 10 * time.Second, Jitter: 1}, 0, minWait, 0},
	}
	for _, tt := range tests {
		got := tt.s.wait(tt.r)
		if d := got - tt.want; d < -tt.within || d > tt.within {
			t.Errorf("%s: wait(%v) = %s, want %s", tt.name, tt.r, got, tt.want)
		}
	}
	// With the default source, waits fill [9s, 11s) and nothing else.
	s := Schedule{Interval: 10 * time.Second, Jitter: 0.1}
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for range 10000 {
		d := s.wait(rand.Float64())
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < 9*time.Second || hi >= 11*time.Second || lo > 9100*time.Millisecond || hi < 10900*time.Millisecond {
		t.Errorf("10000 waits span [%s, %s], want [9s, 11s) and nearly all of it", lo, hi)
	}
}

func TestFromConfig(t *testing.T) {
	cfg, err := config.Parse([]byte(`
providers: {p: {type: openai, base_url: "http://127.0.0.1:1/v1"}}
targets:
  c: {provider: p, model: mc, probe: {interval: 30s, timeout: 2s, jitter: 0}}
  b: {provider: p, model: mb}
  a: {provider: p, model: ma, probe: {interval: 5s}}
routes: {r: {targets: [a, b, c]}}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	router, err := route.Build(cfg, route.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer router.Close()
	got := FromConfig(cfg, router.Targets())
	want := []Target{
		{Target: router.Targets()["a"], Schedule: Schedule{Interval: 5 * time.Second, Timeout: 5 * time.Second, Jitter: 0.1}},
		{Target: router.Targets()["c"], Schedule: Schedule{Interval: 30 * time.Second, Timeout: 2 * time.Second}},
	}
	if len(got) != len(want) {
		t.Fatalf("FromConfig = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("target %d = %s %+v, want %s %+v", i, got[i].Target.Name, got[i].Schedule, want[i].Target.Name, want[i].Schedule)
		}
	}
	delete(router.Targets(), "a")
	if got := FromConfig(cfg, router.Targets()); len(got) != 1 || got[0].Target.Name != "c" {
		t.Errorf("with a missing from the router: %+v, want only c", got)
	}
}
