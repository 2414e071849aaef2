package config

import "testing"

// TestGeminiProvider: type gemini is accepted, with Google's endpoint as
// its default base_url.
func TestGeminiProvider(t *testing.T) {
	cfg := mustParse(t, []byte(`
providers:
  g: {type: gemini, api_key: test-key}
  h: {type: gemini, base_url: "http://127.0.0.1:9", api_keys: [test-key-1, test-key-2]}
targets:
  flash: {provider: g, model: gemini-2.5-flash}
  local: {provider: h, model: gemini-2.5-pro}
routes:
  r: {targets: [flash, local]}
`), noEnv)
	if g := cfg.Providers["g"]; g.BaseURL != "https://generativelanguage.googleapis.com" || g.APIKey.Value() != "test-key" {
		t.Fatalf("provider g = %+v", g)
	}
	if h := cfg.Providers["h"]; h.BaseURL != "http://127.0.0.1:9" || len(h.APIKeys) != 2 {
		t.Fatalf("provider h = %+v", h)
	}
}
