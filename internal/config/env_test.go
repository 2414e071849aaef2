package config

import (
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestExpandEnv(t *testing.T) {
	lookup := env(map[string]string{"KEY": "sk-1", "EMPTY": "", "REF": "${KEY}", "DOLLAR": "a$$b"})
	tests := []struct {
		in, want, err string
	}{
		{in: "plain", want: "plain"},
		{in: "${KEY}", want: "sk-1"},
		{in: "Bearer ${KEY}!", want: "Bearer sk-1!"},
		{in: "${KEY}${KEY}", want: "sk-1sk-1"},
		{in: "${MISSING:-fallback}", want: "fallback"},
		{in: "${MISSING:-}", want: ""},
		{in: "${EMPTY:-fallback}", want: "fallback"},
		{in: "${KEY:-fallback}", want: "sk-1"},
		{in: "${MISSING:-a:-b}", want: "a:-b"},
		{in: "${MISSING:-${KEY}", want: "${KEY"}, // a default is literal text up to the first }
		{in: "${EMPTY}", want: ""},
		{in: "$${KEY}", want: "${KEY}"},
		{in: "$$$$", want: "$$"},
		{in: "pa$word", want: "pa$word"},
		{in: "cost: 5$", want: "cost: 5$"},
		{in: "${REF}", want: "${KEY}"},  // substituted text is not expanded again
		{in: "${DOLLAR}", want: "a$$b"}, // nor unescaped
		{in: "${MISSING}", err: "environment variable MISSING is not set"},
		{in: "x ${KEY", err: `unclosed "${"`},
		{in: "${}", err: "invalid variable reference"},
		{in: "${1X}", err: "invalid variable reference"},
		{in: "${A B}", err: "invalid variable reference"},
		{in: "${KEY-x}", err: "invalid variable reference"},
	}
	for _, tt := range tests {
		got, err := expandEnv(tt.in, lookup)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("expandEnv(%q) error = %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("expandEnv(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseEnv(t *testing.T) {
	lookup := env(map[string]string{
		"KEY":   "sk-secret-123",
		"RPM":   "600",
		"NUM":   "42",
		"URL":   "http://10.0.0.1:8000/v1",
		"LEVEL": "debug",
	})
	cfg := mustParse(t, lines(
		"log: {level: \"${LEVEL}\"}",
		"providers:",
		"  p:",
		"    type: openai",
		"    base_url: ${URL}",
		"    api_key: ${KEY}",
		"    rpm: ${RPM}",
		"    headers: {X-Num: \"${NUM}\", X-Lit: \"$${KEY}\"}",
		"targets:",
		"  t: {provider: p, model: \"${MODEL:-gpt-4.1}\"}",
		"  '${NUM}': {provider: p, model: \"${NUM}\"}",
		"routes: {r: {targets: [t]}}",
	), lookup)
	p := cfg.Providers["p"]
	checks := []struct {
		name      string
		got, want any
	}{
		{"log.level", cfg.Log.Level, "debug"},
		{"base_url", p.BaseURL, "http://10.0.0.1:8000/v1"},
		{"api_key", p.APIKey.Value(), "sk-secret-123"},
		{"rpm (retyped as an integer)", p.RPM, 600},
		{"quoted header", p.Headers["X-Num"].Value(), "42"},
		{"$$ header", p.Headers["X-Lit"].Value(), "${KEY}"},
		{"default", cfg.Targets["t"].Model, "gpt-4.1"},
		{"key not expanded", cfg.Targets["${NUM}"] != nil, true},
		{"number as a string", cfg.Targets["${NUM}"].Model, "42"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestParseEnvErrors(t *testing.T) {
	lookup := env(map[string]string{"KEY": "sk-secret-123", "EMPTY": ""})
	_, err := Parse(lines(
		"providers:",
		"  p:",
		"    type: openai",
		"    api_key: ${OPENAI_API_KEY}",
		"    rpm: ${KEY}",
		"    connect_timeout: \"${KEY}\"",
		"    base_url: \"${EMPTY}\"",
		"targets: {t: {provider: p, model: m}}",
		"routes: {r: {targets: [t], fallbacks: [\"${X\"]}}",
	), lookup)
	checkErrors(t, err, []wantErr{
		{"providers.p.api_key", 4, "environment variable OPENAI_API_KEY is not set"},
		{"providers.p.rpm", 5, "expected an integer, got a value from the environment"},
		{"providers.p.connect_timeout", 6, "the value from the environment is not valid: \"…\" is not a duration"},
		{"routes.r.fallbacks[0]", 9, `unclosed "${"`},
	})
	if strings.Contains(err.Error(), "sk-secret") {
		t.Errorf("an error echoes a value from the environment:\n%v", err)
	}
}
