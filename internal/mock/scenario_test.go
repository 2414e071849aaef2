package mock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodScenario = `seed: 9
providers:
  - name: primary
    tokens: 12
    fault: {latency: 250ms, share: 0.5}
  - name: backup
    hide_name: true
    models: [m1]
    api_keys: [sk-1]
    bedrock_region: eu-west-3
timeline:
  - {at: 10s, provider: primary, fault: {status: 503, retry_after: 2s}, note: outage}
  - {at: 20s, provider: primary, clear: true}
  - {at: 20s, provider: backup, fault: {down: true}}
`

func TestParseScenario(t *testing.T) {
	sc, err := ParseScenario([]byte(goodScenario))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Seed != 9 || len(sc.Providers) != 2 || len(sc.Timeline) != 3 {
		t.Fatalf("%+v", sc)
	}
	p := sc.Providers[0]
	if p.Name != "primary" || p.Tokens != 12 || p.Fault == nil || p.Fault.Latency.D() != 250*time.Millisecond || p.Fault.Share != 0.5 {
		t.Errorf("primary %+v fault %+v", p, p.Fault)
	}
	if b := sc.Providers[1]; !b.HideName || len(b.Models) != 1 || b.APIKeys[0] != "sk-1" || b.BedrockRegion != "eu-west-3" {
		t.Errorf("backup %+v", b)
	}
	st := sc.Timeline[0]
	if st.At.D() != 10*time.Second || st.Provider != "primary" || st.Fault.Status != 503 || st.Fault.RetryAfter.D() != 2*time.Second || st.Note != "outage" {
		t.Errorf("step %+v", st)
	}
	if got := st.String(); got != "t+10s primary fault status=503 retry_after=2s (outage)" {
		t.Errorf("String() = %q", got)
	}
	if !sc.Timeline[1].Clear || !sc.Timeline[2].Fault.Down {
		t.Errorf("steps %+v", sc.Timeline[1:])
	}
}

func TestParseScenarioErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown key", "seed: 1\nproviders:\n  - name: a\n    colour: red\n", "line 4: field colour not found"},
		{"unknown fault key", "providers:\n  - name: a\n    fault: {stauts: 503}\n", "line 3: field stauts not found"},
		{"bad duration", "providers:\n  - name: a\ntimeline:\n  - at: soon\n    provider: a\n    clear: true\n", `line 4: invalid duration "soon"`},
		{"bad fault value", "providers:\n  - name: a\n  - name: b\n    fault: {share: 2}\n", "providers[1] (line 3): fault: share = 2"},
		{"unknown Bedrock exception", "providers:\n  - name: a\n    fault: {status: 429, exception: SlowDownException}\n", `exception = "SlowDownException"`},
		{"duplicate provider", "providers:\n  - name: a\n  - name: a\n", `providers[1] (line 3): name "a" is used twice`},
		{"unknown step provider", "providers:\n  - name: a\ntimeline:\n  - {at: 1s, provider: b, clear: true}\n", `timeline[0] (line 4): provider "b" is not in providers`},
		{"step with both", "timeline:\n  - {at: 1s, provider: a, clear: true, fault: {status: 500}}\n", "timeline[0] (line 2): set exactly one of fault and clear"},
		{"step with neither", "timeline:\n  - {at: 1s, provider: a}\n", "set exactly one"},
		{"steps out of order", "timeline:\n  - {at: 5s, provider: a, clear: true}\n  - {at: 1s, provider: a, clear: true}\n", "timeline[1] (line 3): at = 1s is before"},
		{"empty", "", "empty document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoadScenarioNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(path, []byte("bogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadScenario(path); err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("%v", err)
	}
}

func TestStartScenario(t *testing.T) {
	sc, err := ParseScenario([]byte(goodScenario))
	if err != nil {
		t.Fatal(err)
	}
	sim := newSim(t, Options{Seed: sc.Seed})
	if err := sim.StartScenario(sc); err != nil {
		t.Fatal(err)
	}
	ps := sim.Providers()
	if len(ps) != 2 || ps[0].Name() != "primary" || ps[1].Name() != "backup" {
		t.Fatalf("%v", ps)
	}
	if f := ps[0].Fault(); f.Latency.D() != 250*time.Millisecond {
		t.Errorf("primary fault %+v", f)
	}
	if err := sim.StartScenario(sc); err == nil {
		t.Error("started the same providers twice")
	}
}

func TestPlayAppliesStepsAtTheirOffsets(t *testing.T) {
	sc, err := ParseScenario([]byte(goodScenario))
	if err != nil {
		t.Fatal(err)
	}
	clk := newFakeClock()
	applied := make(chan Step, 10)
	sim := newSim(t, Options{Seed: sc.Seed, OnStep: func(st Step, err error) {
		if err != nil {
			t.Errorf("%s: %v", st, err)
		}
		applied <- st
	}})
	if err := sim.StartScenario(sc); err != nil {
		t.Fatal(err)
	}
	primary, backup := sim.Provider("primary"), sim.Provider("backup")
	done := make(chan error, 1)
	go func() { done <- sim.Play(testContext(t), sc.Timeline, clk) }()

	if d := clk.nextWait(t); d != 10*time.Second {
		t.Fatalf("first wait %v", d)
	}
	if f := primary.Fault(); f.Status != 0 {
		t.Fatalf("applied before its time: %+v", f)
	}
	clk.Advance(10 * time.Second)
	<-applied
	if f := primary.Fault(); f.Status != 503 {
		t.Fatalf("after 10s: %+v", f)
	}
	if d := clk.nextWait(t); d != 10*time.Second {
		t.Fatalf("second wait %v", d)
	}
	clk.Advance(10 * time.Second)
	<-applied
	<-applied // the third step has the same offset: no wait
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !primary.Fault().IsZero() || !backup.Fault().Down {
		t.Errorf("at the end: primary %+v backup %+v", primary.Fault(), backup.Fault())
	}
	select {
	case d := <-clk.waits:
		t.Errorf("an extra wait of %v", d)
	default:
	}
}

func TestPlayRefusesUnknownProvidersAndStopsOnCancel(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "a")
	tl := Timeline{{At: 0, Provider: "a", Fault: &Fault{Status: 500}}, {At: Duration(time.Second), Provider: "zz", Clear: true}}
	if err := sim.Play(testContext(t), tl, newFakeClock()); err == nil || !strings.Contains(err.Error(), `"zz"`) {
		t.Errorf("error %v", err)
	}
	if !p.Fault().IsZero() {
		t.Error("a step was applied from a refused timeline")
	}

	clk := newFakeClock()
	ctx, cancel := context.WithCancel(testContext(t))
	done := make(chan error, 1)
	go func() { done <- sim.Play(ctx, Timeline{{At: Duration(time.Hour), Provider: "a", Clear: true}}, clk) }()
	clk.nextWait(t)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}
