package config

import (
	"testing"
	"time"
)

// probeFile returns a valid file with one target, t, whose lines from 6 on
// are probe (indented under the target); the route follows them.
func probeFile(probe ...string) []byte {
	ls := []string{
		"providers: {p: {type: openai}}",
		"targets:",
		"  t:",
		"    provider: p",
		"    model: m",
	}
	ls = append(ls, probe...)
	return lines(append(ls, "routes: {r: {targets: [t]}}")...)
}

func TestProbeDefaults(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want Probe
	}{
		{"no probe section", probeFile(), Probe{Timeout: Duration(5 * time.Second), Jitter: 0.1}},
		{"interval only", probeFile("    probe: {interval: 10s}"),
			Probe{Interval: Duration(10 * time.Second), Timeout: Duration(5 * time.Second), Jitter: 0.1}},
		{"explicit zero jitter survives", probeFile("    probe: {interval: 10s, timeout: 2s, jitter: 0}"),
			Probe{Interval: Duration(10 * time.Second), Timeout: Duration(2 * time.Second)}},
		{"timeout is not checked without interval", probeFile("    probe: {timeout: 0s}"), Probe{Jitter: 0.1}},
		{"timeout equal to interval", probeFile("    probe: {interval: 5s, timeout: 5s, jitter: 25%}"),
			Probe{Interval: Duration(5 * time.Second), Timeout: Duration(5 * time.Second), Jitter: 0.25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustParse(t, tt.file, noEnv)
			if got := cfg.Targets["t"].Probe; got != tt.want {
				t.Errorf("probe = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Each rule of a target's probe section, with the key and line it is
// reported at.
func TestProbeErrors(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want []wantErr
	}{
		{"negative interval", probeFile(
			"    probe:",
			"      interval: -10s",
		), []wantErr{{"targets.t.probe.interval", 7, "-10s must be >= 0"}}},
		{"negative timeout", probeFile(
			"    probe:",
			"      interval: 10s",
			"      timeout: -1s",
		), []wantErr{{"targets.t.probe.timeout", 8, "-1s must be >= 0"}}},
		{"zero timeout with an interval", probeFile(
			"    probe:",
			"      interval: 10s",
			"      timeout: 0s",
		), []wantErr{{"targets.t.probe.timeout", 8, "must be above 0 when interval is set"}}},
		{"timeout over interval", probeFile(
			"    probe:",
			"      interval: 10s",
			"      timeout: 15s",
		), []wantErr{{"targets.t.probe.timeout", 8, "timeout (15s) must be <= interval (10s)"}}},
		{"default timeout over a short interval", probeFile(
			"    probe: {interval: 2s}",
		), []wantErr{{"targets.t.probe.timeout", 6, "timeout (5s) must be <= interval (2s)"}}},
		{"jitter over 100%", probeFile(
			"    probe:",
			"      interval: 10s",
			"      jitter: 150%",
		), []wantErr{{"targets.t.probe.jitter", 8, "150% is not between 0% and 100%"}}},
		{"unknown probe key", probeFile(
			"    probe: {intervall: 10s}",
		), []wantErr{{"targets.t.probe.intervall", 6, `unknown key "intervall" (did you mean "interval"?)`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parseFails(t, tt.file, tt.want)
		})
	}
}

// Values that the file cannot hold (a parse error comes first) are still
// refused by Validate when the Config is built in code.
func TestProbeValidateBuiltInCode(t *testing.T) {
	cfg := mustParse(t, probeFile(), noEnv)
	cfg.Targets["t"].Probe = Probe{Interval: -1, Timeout: -1, Jitter: 1.5}
	checkErrors(t, cfg.Validate(), []wantErr{
		{"targets.t.probe.interval", 0, "-1ns must be >= 0"},
		{"targets.t.probe.timeout", 0, "-1ns must be >= 0"},
		{"targets.t.probe.jitter", 0, "150% is not between 0% and 100%"},
	})
	cfg.Targets["t"].Probe = Probe{Interval: Duration(time.Second), Timeout: Duration(time.Second), Jitter: 1}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
}
