package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// minimal is the smallest valid file; everything else is a default.
var minimal = lines(
	"providers: {p: {type: openai}}",
	"targets: {t: {provider: p, model: m}}",
	"routes: {r: {targets: [t]}}",
)

func mustParse(t *testing.T, data []byte, lookup func(string) (string, bool)) *Config {
	t.Helper()
	cfg, err := Parse(data, lookup)
	if err != nil {
		t.Fatalf("Parse: %v\nfile:\n%s", err, data)
	}
	return cfg
}

func TestDefaults(t *testing.T) {
	cfg := mustParse(t, minimal, noEnv)
	want := &Config{
		Listen:         ":8080",
		MaxBodyBytes:   8 << 20,
		HealthInterval: Duration(time.Second),
		HealthWindow:   Duration(30 * time.Second),
		Log:            Log{Level: "info", Requests: true},
		Providers: map[string]*Provider{"p": {
			Type:           "openai",
			BaseURL:        "https://api.openai.com/v1",
			ConnectTimeout: Duration(2 * time.Second),
			MaxIdleConns:   256,
		}},
		Targets: map[string]*Target{"t": {Provider: "p", Model: "m",
			Probe:        Probe{Timeout: Duration(5 * time.Second), Jitter: 0.1},
			Capabilities: Capabilities{Tools: true, Vision: true, JSONSchema: true}}},
		Routes: map[string]*Route{"r": {
			Strategy: "ordered",
			Targets:  []RouteTarget{{Target: "t", Weight: 1}},
			Retry: Retry{
				Attempts: 2,
				On:       []string{"connect", "timeout", "stream_cut", "malformed", "408", "429", "500", "502", "503", "504", "529"},
				Backoff:  Backoff{Base: Duration(200 * time.Millisecond), Max: Duration(5 * time.Second)},
				MaxWait:  Duration(2 * time.Second),
			},
			Timeouts: Timeouts{
				FirstToken: Duration(10 * time.Second),
				Response:   Duration(60 * time.Second),
				Idle:       Duration(30 * time.Second),
				Total:      Duration(120 * time.Second),
			},
			OnExhausted: OnExhausted{RetryAfter: Duration(5 * time.Second)},
			Breaker: Breaker{
				ConsecutiveFailures: 5, ErrorRate: 0.5, Window: Duration(30 * time.Second), MinRequests: 10,
				Cooldown: Duration(30 * time.Second), MaxCooldown: Duration(5 * time.Minute), HalfOpenRequests: 1,
			},
			Health: Health{MinRequests: 10, MaxStep: 0.2},
			Hedge:  Hedge{MinAfter: Duration(time.Second), MaxExtra: 0.1},
		}},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("defaults:\n got %s\nwant %s", dump(cfg), dump(want))
	}
}

// dump prints a Config with its map entries, for failure messages.
func dump(c *Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%+v", *c)
	for _, name := range sortedKeys(c.Providers) {
		b.WriteString("\n provider " + name + ": " + fmt.Sprintf("%+v", *c.Providers[name]))
	}
	for _, name := range sortedKeys(c.Targets) {
		b.WriteString("\n target " + name + ": " + fmt.Sprintf("%+v", *c.Targets[name]))
	}
	for _, name := range sortedKeys(c.Routes) {
		b.WriteString("\n route " + name + ": " + fmt.Sprintf("%+v", *c.Routes[name]))
	}
	return b.String()
}

func TestExplicitZerosSurvive(t *testing.T) {
	cfg := mustParse(t, lines(
		"log: {requests: false}",
		"providers:",
		"  p: {type: openai, max_idle_conns: 0, connect_timeout: 0s}",
		"targets:",
		"  a: {provider: p, model: m}",
		"  b: {provider: p, model: m}",
		"routes:",
		"  r:",
		"    strategy: weighted",
		"    targets:",
		"      - {target: a, weight: 0}",
		"      - b",
		"    retry: {on: [], max_wait: 0s, backoff: {base: 0s}}",
		"    timeouts: {idle: 0s, total: 0s}",
		"    on_exhausted: {retry_after: 0s}",
	), noEnv)
	p, r := cfg.Providers["p"], cfg.Routes["r"]
	checks := []struct {
		name      string
		got, want any
	}{
		{"log.requests", cfg.Log.Requests, false},
		{"max_idle_conns", p.MaxIdleConns, 0},
		{"connect_timeout", p.ConnectTimeout, Duration(0)},
		{"targets[0].weight", r.Targets[0].Weight, 0},
		{"targets[1].weight", r.Targets[1].Weight, 1},
		{"retry.on", r.Retry.On, []string{}},
		{"retry.max_wait", r.Retry.MaxWait, Duration(0)},
		{"retry.backoff.base", r.Retry.Backoff.Base, Duration(0)},
		{"retry.backoff.max", r.Retry.Backoff.Max, Duration(5 * time.Second)},
		{"timeouts.idle", r.Timeouts.Idle, Duration(0)},
		{"timeouts.total", r.Timeouts.Total, Duration(0)},
		{"timeouts.first_token", r.Timeouts.FirstToken, Duration(10 * time.Second)},
		{"timeouts.response", r.Timeouts.Response, Duration(60 * time.Second)},
		{"on_exhausted.retry_after", r.OnExhausted.RetryAfter, Duration(0)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

// Defaults are per entry: every provider, route and route target gets its
// own, and routes do not share the default retry.on slice.
func TestDefaultsPerEntry(t *testing.T) {
	cfg := mustParse(t, lines(
		"providers:",
		"  a: {type: openai, max_idle_conns: 8}",
		"  b: {type: openai, base_url: 'http://localhost:9/v1'}",
		"targets: {t: {provider: a, model: m}, u: {provider: b, model: m}}",
		"routes:",
		"  r: {targets: [{target: t, weight: 5}, u], retry: {attempts: 4}}",
		"  s: {targets: [u]}",
	), noEnv)
	if got := cfg.Providers["b"].MaxIdleConns; got != 256 {
		t.Errorf("providers.b.max_idle_conns = %d, want the default 256", got)
	}
	if got := cfg.Providers["a"].BaseURL; got != "https://api.openai.com/v1" {
		t.Errorf("providers.a.base_url = %q, want the openai default", got)
	}
	if got := cfg.Routes["s"].Retry.Attempts; got != 2 {
		t.Errorf("routes.s.retry.attempts = %d, want the default 2", got)
	}
	if got := cfg.Routes["r"].Targets[1].Weight; got != 1 {
		t.Errorf("routes.r.targets[1].weight = %d, want the default 1", got)
	}
	cfg.Routes["r"].Retry.On[0] = "changed"
	if got := cfg.Routes["s"].Retry.On[0]; got != "connect" {
		t.Errorf("routes share their retry.on slice: changing r changed s to %q", got)
	}
	if got := DefaultRetryOn()[0]; got != "connect" {
		t.Errorf("changing a route changed DefaultRetryOn to %q", got)
	}
}

// "  empty:" above is a route with nothing in it: it must be an error,
// never a nil *Route in the map.
func TestNullEntryIsNotNil(t *testing.T) {
	_, err := Parse(lines(
		"providers: {p: {type: openai}}",
		"targets: {t: {provider: p, model: m}}",
		"routes:",
		"  empty:",
	), noEnv)
	checkErrors(t, err, []wantErr{{"routes.empty.targets", 4, "at least one target is required"}})
}

func TestRouteTargetForms(t *testing.T) {
	cfg := mustParse(t, lines(
		"providers: {p: {type: openai}}",
		"targets: {a: {provider: p, model: m}, b: {provider: p, model: m}, c: {provider: p, model: m}}",
		"routes:",
		"  r:",
		"    strategy: weighted",
		"    targets:",
		"      - a",
		"      - {target: b, weight: 70}",
		"      - target: c",
	), noEnv)
	want := []RouteTarget{{"a", 1}, {"b", 70}, {"c", 1}}
	if got := cfg.Routes["r"].Targets; !reflect.DeepEqual(got, want) {
		t.Errorf("targets = %+v, want %+v", got, want)
	}
	_, err := Parse(base(
		"  s:",
		"    targets:",
		"      - {target: t, wieght: 2}",
		"      - [t]",
	), noEnv)
	checkErrors(t, err, []wantErr{
		{"routes.s.targets[0].wieght", 10, `unknown key "wieght" (did you mean "weight"?)`},
		{"routes.s.targets[1]", 11, "expected a mapping (key: value), got a list"},
	})
}

func TestRouteNamesMayBeAnything(t *testing.T) {
	cfg := mustParse(t, lines(
		"providers: {p: {type: openai}}",
		"targets: {t: {provider: p, model: m}}",
		"routes:",
		"  gpt-4.1: {targets: [t]}",
		"  'anthropic/claude-sonnet-4.5': {targets: [t]}",
		"  '1': {targets: [t]}",
	), noEnv)
	for _, name := range []string{"gpt-4.1", "anthropic/claude-sonnet-4.5", "1"} {
		if cfg.Routes[name] == nil {
			t.Errorf("route %q missing", name)
		}
	}
}

func TestMergeKeys(t *testing.T) {
	cfg := mustParse(t, lines(
		"providers: {p: {type: openai}}",
		"targets: {a: {provider: p, model: m}, b: {provider: p, model: m}}",
		"routes:",
		"  r: &common",
		"    targets: [a]",
		"    retry: {attempts: 5}",
		"    timeouts: {total: 30s}",
		"  s:",
		"    <<: *common",
		"    targets: [b]",
	), noEnv)
	s := cfg.Routes["s"]
	if s.Targets[0].Target != "b" || s.Retry.Attempts != 5 || s.Timeouts.Total != Duration(30*time.Second) {
		t.Errorf("merged route = %+v, want targets [b] (own), attempts 5 and total 30s (merged)", *s)
	}
	_, err := Parse(base(
		"  s: &x",
		"    targets: [t]",
		"  u:",
		"    <<: *x",
		"    tiemouts: {}",
	), noEnv)
	checkErrors(t, err, []wantErr{{"routes.u.tiemouts", 12, `unknown key "tiemouts"`}})
}

// Aliases may not make a small file into a huge amount of work: here 1000
// routes alias one route of 1000 aliased targets, a million entries from a
// file of a few thousand nodes.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("providers: {p: {type: openai}}\ntargets: {t: {provider: p, model: m}}\n")
	b.WriteString("x: &t {target: t}\ny: &r {targets: [*t")
	b.WriteString(strings.Repeat(", *t", 999))
	b.WriteString("]}\nroutes:\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "  r%d: *r\n", i)
	}
	start := time.Now()
	_, err := Parse([]byte(b.String()), noEnv)
	if err == nil || !strings.Contains(err.Error(), "aliases expand too much") {
		t.Errorf("err = %.300v, want the alias limit", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Parse took %s", d)
	}
}

func TestDefaultConfig(t *testing.T) {
	cfg := mustParse(t, Default(), noEnv)
	if len(cfg.Providers) != 3 || len(cfg.Targets) != 3 || len(cfg.Routes) != 2 {
		t.Fatalf("default config has %d providers, %d targets, %d routes; want 3, 3, 2",
			len(cfg.Providers), len(cfg.Targets), len(cfg.Routes))
	}
	for name, url := range map[string]string{
		"primary":   "http://127.0.0.1:18101/v1",
		"secondary": "http://127.0.0.1:18102/v1",
		"backup":    "http://127.0.0.1:18103/v1",
	} {
		p := cfg.Providers[name]
		if p == nil || p.BaseURL != url || p.APIKey != "" || p.Type != "openai" {
			t.Errorf("provider %s = %+v, want openai at %s without a key", name, p, url)
		}
	}
	for name, tc := range cfg.Targets {
		if tc.Probe.Interval.D() != 5*time.Second || tc.Probe.Timeout.D() != 5*time.Second {
			t.Errorf("target %s probe = %+v, want every 5s with a 5s timeout", name, tc.Probe)
		}
	}
	smart := cfg.Routes["smart"]
	wantTargets := []RouteTarget{{"gpt-primary", 80}, {"gpt-secondary", 20}}
	if smart.Strategy != "weighted" || !reflect.DeepEqual(smart.Targets, wantTargets) ||
		!reflect.DeepEqual(smart.Fallbacks, []string{"gpt-backup"}) ||
		smart.Timeouts.FirstToken.D() != 2*time.Second || smart.Timeouts.Total.D() != 30*time.Second ||
		smart.OnExhausted.Message == "" {
		t.Errorf("route smart = %+v", *smart)
	}
	fast := cfg.Routes["fast"]
	if fast.Strategy != "ordered" || !reflect.DeepEqual(fast.Targets, []RouteTarget{{"gpt-backup", 1}, {"gpt-secondary", 1}}) {
		t.Errorf("route fast = %+v", *fast)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	d := Default()
	d[0] = '!'
	if Default()[0] == '!' {
		t.Error("Default returns a shared slice")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "backstop.yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(minimal), "model: m", `model: "${BACKSTOP_TEST_MODEL}"`)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BACKSTOP_TEST_MODEL", "gpt-test")
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := cfg.Targets["t"].Model; got != "gpt-test" {
		t.Errorf("model = %q, want it from the environment", got)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
}

// testdata/full.yaml is valid. Each other testdata/NAME.yaml is not, and
// testdata/NAME.errors is what Parse must say about it, exactly.
// docs-example.yaml is the example in docs/config.md; keep the two in step.
func TestTestdata(t *testing.T) {
	if _, err := Load(filepath.Join("testdata", "full.yaml")); err != nil {
		t.Errorf("full.yaml: %v", err)
	}
	goldens, err := filepath.Glob(filepath.Join("testdata", "*.errors"))
	if err != nil || len(goldens) < 2 {
		t.Fatalf("golden files: %v, %v", goldens, err)
	}
	for _, golden := range goldens {
		name := strings.TrimSuffix(golden, ".errors") + ".yaml"
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Parse(data, noEnv)
		if err == nil {
			t.Errorf("%s parsed, want errors", name)
			continue
		}
		if got := err.Error() + "\n"; got != string(want) {
			t.Errorf("%s errors:\n%s\nwant (%s):\n%s", name, got, golden, want)
		}
	}
}
