package config

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "200ms", want: 200 * time.Millisecond},
		{in: "5s", want: 5 * time.Second},
		{in: "1m30s", want: 90 * time.Second},
		{in: "1.5s", want: 1500 * time.Millisecond},
		{in: "0", want: 0},
		{in: "0s", want: 0},
		{in: "5", err: "5 has no unit; use a unit, e.g. 5s"},
		{in: "1.5", err: "has no unit"},
		{in: "-5", err: "has no unit"},
		{in: "-5s", err: "-5s must be >= 0"},
		{in: "5 seconds", err: `"5 seconds" is not a duration`},
		{in: "inf", err: "is not a duration"},
		{in: "", err: "is not a duration"},
		{in: "9999999999h", err: "is not a duration"},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("parseDuration(%q) error = %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || got.D() != tt.want):
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{in: "1024", want: 1024},
		{in: "0", want: 0},
		{in: "512KiB", want: 512 << 10},
		{in: "8MiB", want: 8 << 20},
		{in: "8 MiB", want: 8 << 20},
		{in: "8mib", want: 8 << 20},
		{in: "1MB", want: 1_000_000},
		{in: "1kb", want: 1000},
		{in: "1GiB", want: 1 << 30},
		{in: "2TB", want: 2e12},
		{in: "10B", want: 10},
		{in: "-1", err: "-1 must be >= 0"},
		{in: "-8MiB", err: "-8MiB must be >= 0"},
		{in: "1.5MiB", err: "is not a size"},
		{in: "MiB", err: "is not a size"},
		{in: "8 lightyears", err: "is not a size"},
		{in: "9999999TiB", err: "too large"},
		{in: "99999999999999999999", err: "too large"},
	}
	for _, tt := range tests {
		got, err := parseByteSize(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("parseByteSize(%q) error = %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || int64(got) != tt.want):
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

// String writes sizes in a form parseByteSize reads back.
func TestByteSizeString(t *testing.T) {
	for _, b := range []ByteSize{0, 1, 1000, 1024, 8 << 20, 3 << 30, 1<<40 + 1} {
		back, err := parseByteSize(b.String())
		if err != nil || back != b {
			t.Errorf("%d → %q → %d, %v", b, b.String(), back, err)
		}
	}
	if got := ByteSize(8 << 20).String(); got != "8MiB" {
		t.Errorf("String() = %q, want 8MiB", got)
	}
}

// secretConfig is a Config holding a key in every place a key can be.
func secretConfig(t *testing.T) *Config {
	return mustParse(t, lines(
		"providers:",
		"  a: {type: openai, api_key: sk-single-SECRET}",
		"  b:",
		"    type: openai",
		"    api_keys: [sk-pool-SECRET]",
		"    headers: {X-Api-Key: hdr-SECRET}",
		"targets: {t: {provider: a, model: m}}",
		"routes: {r: {targets: [t]}}",
	), noEnv)
}

// No way of printing a Config, or any part of it, shows a key.
func TestSecretNeverPrinted(t *testing.T) {
	cfg := secretConfig(t)
	a, b := cfg.Providers["a"], cfg.Providers["b"]
	if a.APIKey.Value() != "sk-single-SECRET" || b.APIKeys[0].Value() != "sk-pool-SECRET" || b.Headers["X-Api-Key"].Value() != "hdr-SECRET" {
		t.Fatalf("Value() does not return the secret: %q %q", a.APIKey.Value(), b.APIKeys[0].Value())
	}
	var out []string
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
		for _, x := range []any{cfg, *cfg, a, *a, *b, b.APIKeys, b.Headers, a.APIKey} {
			out = append(out, fmt.Sprintf(format, x))
		}
	}
	js, err := json.Marshal(map[string]*Provider{"a": a, "b": b})
	if err != nil {
		t.Fatal(err)
	}
	ys, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(js), string(ys))
	for _, s := range out {
		if strings.Contains(s, "SECRET") {
			t.Errorf("a secret is printed: %s", s)
		}
	}
	if s := fmt.Sprintf("%+v", *a); !strings.Contains(s, "APIKey:[redacted]") {
		t.Errorf("%%+v of a provider = %s, want APIKey:[redacted]", s)
	}
	if s := fmt.Sprintf("%#v", *a); !strings.Contains(s, "APIKey:[redacted]") {
		t.Errorf("%%#v of a provider = %s, want APIKey:[redacted]", s)
	}
	if s := fmt.Sprintf("%v", cfg); !strings.Contains(s, "a:&{openai") {
		t.Errorf("%%v of a Config = %s, want its providers shown", s)
	}
	if got := fmt.Sprintf("%q", a.APIKey); got != `"[redacted]"` {
		t.Errorf("%%q of a Secret = %s", got)
	}
	if got := Secret("").String(); got != "" {
		t.Errorf("an empty Secret prints as %q, want \"\"", got)
	}
}

// A Config written as YAML (secrets redacted) reads back as valid.
func TestMarshalRoundTrip(t *testing.T) {
	cfg := mustParse(t, Default(), noEnv)
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	back := mustParse(t, data, noEnv)
	if fmt.Sprintf("%+v", *back.Routes["smart"]) != fmt.Sprintf("%+v", *cfg.Routes["smart"]) {
		t.Errorf("round trip changed route smart:\n%+v\n%+v", *back.Routes["smart"], *cfg.Routes["smart"])
	}
}

func TestParsePercent(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		err  string
	}{
		{in: "2%", want: 0.02},
		{in: "50 %", want: 0.5},
		{in: "0.5", want: 0.5},
		{in: "0", want: 0},
		{in: "100%", want: 1},
		{in: "1", want: 1},
		{in: "150%", err: "not between 0% and 100%"},
		{in: "2", err: "not between 0% and 100%"},
		{in: "-1%", err: "not between 0% and 100%"},
		{in: "NaN", err: "is not a share"},
		{in: "half", err: "is not a share"},
	}
	for _, tt := range tests {
		got, err := parsePercent(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("parsePercent(%q) error = %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || math.Abs(float64(got)-tt.want) > 1e-12):
			t.Errorf("parsePercent(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	if s := Percent(0.02).String(); s != "2%" {
		t.Errorf("String() = %q", s)
	}
}
