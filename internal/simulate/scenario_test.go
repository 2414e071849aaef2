package simulate

import (
	"strings"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/mock"
)

func TestSimulateScenarioDefaults(t *testing.T) {
	sc, err := ParseScenario([]byte("duration: 30s\nrate: 5\ntimeline:\n  - {at: 10s, provider: primary, fault: {status: 503}, note: down}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !sc.Stream || sc.Tokens != DefaultTokens || sc.Seed != 0 || sc.Duration.D() != 30*time.Second || sc.Rate != 5 {
		t.Errorf("defaults: %+v", sc)
	}
	if st := sc.Timeline[0]; st.Fault == nil || st.Fault.Status != 503 || st.Note != "down" {
		t.Errorf("step: %+v", st)
	}
	// Explicit zeros survive the defaults.
	sc, err = ParseScenario([]byte("duration: 1s\nrate: 1\nstream: false\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Stream {
		t.Error("stream: false was read as true")
	}
}

func TestSimulateScenarioErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string // every part must be in the error
	}{
		{"empty", "", []string{"empty document"}},
		{"unknown key", "duration: 10s\nrate: 1\ncolour: red\n", []string{"line 3: field colour not found"}},
		{"unknown fault key", "duration: 10s\nrate: 1\ntimeline:\n  - {at: 1s, provider: p, fault: {stauts: 503}}\n", []string{"line 4: field stauts not found"}},
		{"bad duration", "duration: soon\nrate: 1\n", []string{"line 1", `invalid duration "soon"`}},
		{"missing duration and rate", "seed: 3\n", []string{"duration: 0s; must be above 0", "rate: 0; must be a number above 0"}},
		{"too many requests", "duration: 1h\nrate: 100000\n", []string{"rate (line 2)", "at most 2000000"}},
		{"tokens", "duration: 1s\nrate: 1\ntokens: 0\n", []string{"tokens (line 3): 0; must be at least 1"}},
		{"fault in baseline", "duration: 1s\nrate: 1\nbaseline: {latency: 1s, status: 503}\n", []string{"baseline (line 3)", "only latency, ttft and tokens_per_second"}},
		{"fault in a provider's baseline", "duration: 1s\nrate: 1\nproviders:\n  b: {down: true}\n", []string{"providers.b (line 4)", "down=true"}},
		{"fault and clear", "duration: 10s\nrate: 1\ntimeline:\n  - {at: 1s, provider: p, clear: true, fault: {status: 500}}\n", []string{"timeline[0] (line 4): set exactly one of fault and clear"}},
		{"bad fault", "duration: 10s\nrate: 1\ntimeline:\n  - {at: 1s, provider: p, fault: {status: 200}}\n", []string{"timeline[0] (line 4): fault: status = 200"}},
		{"no provider", "duration: 10s\nrate: 1\ntimeline:\n  - {at: 1s, clear: true}\n", []string{"timeline[0] (line 4): provider is required"}},
		{"out of order", "duration: 10s\nrate: 1\ntimeline:\n  - {at: 5s, provider: p, clear: true}\n  - {at: 2s, provider: p, clear: true}\n", []string{"timeline[1] (line 5)", "before the previous step"}},
		{"after the end", "duration: 10s\nrate: 1\ntimeline:\n  - {at: 10s, provider: p, clear: true}\n", []string{"timeline[0] (line 4)", "not before the end of the run"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

func TestSimulateScenarioCheck(t *testing.T) {
	cfg, err := config.Parse(config.Default(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, yaml string
		route      string
		want       []string
	}{
		{"ok", "duration: 10s\nrate: 1\nroute: fast\n", "fast", nil},
		{"no route of several", "duration: 10s\nrate: 1\n", "", []string{"route: the config has 2 routes (fast, smart); name one"}},
		{"unknown route", "duration: 10s\nrate: 1\nroute: clever\n", "", []string{`route (line 3): "clever" is not a route of the config (fast, smart)`}},
		{"unknown providers", "duration: 10s\nrate: 1\nroute: smart\nproviders:\n  tertiary: {latency: 1s}\ntimeline:\n  - {at: 1s, provider: primary, clear: true}\n  - {at: 2s, provider: prim, clear: true}\n",
			"", []string{`providers.tertiary (line 5): "tertiary" is not a provider`, `timeline[1] (line 8): provider "prim" is not a provider of the config (backup, primary, secondary)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := ParseScenario([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			route, err := sc.Check(cfg)
			if route != tc.route {
				t.Errorf("route %q, want %q", route, tc.route)
			}
			if len(tc.want) == 0 && err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v\nlacks %q", err, w)
				}
			}
		})
	}
	one, err := config.Parse([]byte("providers: {p: {type: openai}}\ntargets: {t: {provider: p, model: m}}\nroutes: {only: {targets: [t]}}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := ParseScenario([]byte("duration: 1s\nrate: 1\n"))
	if route, err := sc.Check(one); err != nil || route != "only" {
		t.Errorf("a config's only route: %q, %v", route, err)
	}
}

// FuzzSimulateScenario: ParseScenario never panics, and what it accepts
// can run: a positive duration and rate, at least one token, steps in
// order within the run.
func FuzzSimulateScenario(f *testing.F) {
	f.Add([]byte("duration: 30s\nrate: 5\ntimeline:\n  - {at: 10s, provider: primary, fault: {status: 503}}\n"))
	f.Add([]byte("seed: 3\nduration: 1m\nrate: 0.5\nstream: false\ntokens: 3\nbaseline: {latency: 1s}\nproviders: {b: {ttft: 2s}}\n"))
	f.Add([]byte("duration: 10s\nrate: 1\ntimeline:\n  - {at: 5s, provider: p, clear: true}\n  - {at: 2s, provider: p, clear: true}\n"))
	f.Add([]byte("[1, 2]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := ParseScenario(b)
		if err != nil {
			return
		}
		if sc.Duration <= 0 || !(sc.Rate > 0) || sc.Tokens < 1 {
			t.Fatalf("accepted %+v", sc)
		}
		for i, st := range sc.Timeline {
			if st.At < 0 || st.At >= sc.Duration || i > 0 && st.At < sc.Timeline[i-1].At || (st.Fault != nil) == st.Clear {
				t.Fatalf("accepted step %d: %+v", i, st)
			}
		}
	})
}

// TestSimulateModelledFaults: every field of mock.Fault that shape
// handles passes modelled; a fault the simulator would mistake for a
// healthy answer is refused at parse time instead.
func TestSimulateModelledFaults(t *testing.T) {
	all := mock.Fault{
		Status: 503, Body: "<html>", RetryAfter: mock.Duration(time.Second), RetryAfterMs: mock.Duration(time.Millisecond),
		Latency: mock.Duration(time.Second), TTFT: mock.Duration(time.Second), TokensPerSecond: 5,
		HangBeforeHeaders: true, HangAfterChunks: 2, CutAfterChunks: 3, Malformed: true, Reset: true, Down: true, Share: 0.5,
	}
	if err := modelled(all); err != nil {
		t.Error(err)
	}
}
