package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// simulateRun runs "backstop simulate" with args and returns its exit code
// and output.
func simulateRun(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"simulate"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestSimulateCommand(t *testing.T) {
	const outage = "../../docs/examples/outage.yaml"
	code, out, errOut := simulateRun("--scenario", outage)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"backstop simulate: route smart (weighted), 20 req/s for 1m0s, streamed, 20 tokens, seed 1\n",
		"config (embedded default), scenario " + outage + "\n",
		">>> 10s primary: status=503 (primary answers 503 to everything)\n",
		"   9s  w gpt-primary  80 gpt-secondary  20 | breakers closed",
		"\nsummary\n  requests 1200, served 1200, client errors 0 (0.0%)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Count(out, "\n"); lines < 60 {
		t.Errorf("%d lines; want one per second and more", lines)
	}
	_, again, _ := simulateRun("--scenario", outage)
	if again != out {
		t.Error("two runs of the same scenario printed different output")
	}

	code, js, errOut := simulateRun("--scenario", outage, "--json")
	if code != 0 || errOut != "" {
		t.Fatalf("--json: exit %d, stderr %q", code, errOut)
	}
	var res struct {
		Route   string            `json:"route"`
		Seconds []json.RawMessage `json:"seconds"`
		Summary struct {
			Requests int `json:"requests"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatalf("--json: %v\n%s", err, js)
	}
	if res.Route != "smart" || len(res.Seconds) != 60 || res.Summary.Requests != 1200 {
		t.Errorf("--json: route %q, %d seconds, %d requests", res.Route, len(res.Seconds), res.Summary.Requests)
	}
}

func TestSimulateCommandErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	badKey := write("bad.yaml", "duration: 10s\nrate: 1\nroute: smart\nspeed: 3\n")
	badProvider := write("provider.yaml", "duration: 10s\nrate: 1\nroute: smart\ntimeline:\n  - {at: 1s, provider: tertiary, clear: true}\n")
	badConfig := write("config.yaml", "providers: {}\n")
	good := write("good.yaml", "duration: 2s\nrate: 1\nroute: fast\n")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no scenario", nil, 2, "give one scenario with --scenario FILE"},
		{"an argument", []string{"--scenario", good, "extra"}, 2, "and no arguments"},
		{"unknown flag", []string{"--scenrio", good}, 2, "flag provided but not defined"},
		{"help", []string{"--help"}, 0, "Usage: backstop simulate"},
		{"missing scenario", []string{"--scenario", filepath.Join(dir, "none.yaml")}, 1, "no such file"},
		{"unknown key", []string{"--scenario", badKey}, 1, "line 4: field speed not found"},
		{"unknown provider", []string{"--scenario", badProvider}, 1, `timeline[0] (line 5): provider "tertiary" is not a provider of the config`},
		{"bad config", []string{"--config", badConfig, "--scenario", good}, 1, "backstop simulate: config " + badConfig},
		{"ok", []string{"--scenario", good}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := simulateRun(tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tc.code, tc.stderr)
			}
		})
	}
}
