package translate

import (
	"encoding/json"
	"testing"
)

func TestConvertRequestCapped(t *testing.T) {
	tests := []struct {
		name     string
		from, to Dialect
		body     string
		cap      int
		key      string
		want     any // the value of key in the translated body; nil: absent
	}{
		{"anthropic over the cap to openai", Anthropic, OpenAI, `{"model":"r","max_tokens":128000,"messages":[{"role":"user","content":"hi"}]}`, 16384, "max_completion_tokens", 16384.0},
		{"anthropic under the cap", Anthropic, OpenAI, `{"model":"r","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}`, 16384, "max_completion_tokens", 100.0},
		{"openai over the cap to anthropic", OpenAI, Anthropic, `{"model":"r","max_tokens":9000,"messages":[{"role":"user","content":"hi"}]}`, 2048, "max_tokens", 2048.0},
		{"openai without max to anthropic: default under the cap", OpenAI, Anthropic, `{"model":"r","messages":[{"role":"user","content":"hi"}]}`, 1000, "max_tokens", 1000.0},
		{"openai without max to anthropic: cap over the default", OpenAI, Anthropic, `{"model":"r","messages":[{"role":"user","content":"hi"}]}`, 100000, "max_tokens", float64(defaultMaxTokens)},
		{"openai without max to anthropic, no cap", OpenAI, Anthropic, `{"model":"r","messages":[{"role":"user","content":"hi"}]}`, 0, "max_tokens", float64(defaultMaxTokens)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ConvertRequestCapped(tt.from, tt.to, []byte(tt.body), "m", tt.cap)
			if err != nil {
				t.Fatal(err)
			}
			var v map[string]any
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatal(err)
			}
			if v[tt.key] != tt.want {
				t.Fatalf("%s = %v, want %v in %s", tt.key, v[tt.key], tt.want, out)
			}
		})
	}
}
