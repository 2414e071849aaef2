package route

import (
	"testing"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/needs"
)

func TestTargetLacks(t *testing.T) {
	all := Capabilities{Tools: true, Vision: true, JSONSchema: true, Embeddings: true}
	textOnly := all
	textOnly.Vision = false
	noTools := all
	noTools.Tools, noTools.JSONSchema = false, false
	small := all
	small.ContextWindow = 8000
	capped := small
	capped.MaxOutputTokens = 1000
	tests := []struct {
		name string
		caps Capabilities
		n    needs.Needs
		want Lack
	}{
		{"capable target, plain request", all, needs.Needs{PromptBytes: 400000, MaxTokens: 100000}, ""},
		{"image to text-only", textOnly, needs.Needs{Images: true}, LacksVision},
		{"text to text-only", textOnly, needs.Needs{Tools: true}, ""},
		{"tools to no tools", noTools, needs.Needs{Tools: true}, LacksTools},
		{"json schema", noTools, needs.Needs{JSONSchema: true}, LacksJSONSchema},
		{"embeddings", Capabilities{}, needs.Needs{Embeddings: true}, LacksEmbeddings},
		{"chat to an embeddings model", Capabilities{Embeddings: true, EmbeddingsOnly: true}, needs.Needs{}, LacksChat},
		{"embeddings to an embeddings model", Capabilities{Embeddings: true, EmbeddingsOnly: true}, needs.Needs{Embeddings: true}, ""},
		{"fits the window", small, needs.Needs{PromptBytes: 12000, MaxTokens: 5000}, ""},
		{"over the window with its max", small, needs.Needs{PromptBytes: 12000, MaxTokens: 5001}, LacksContextWindow},
		{"prompt alone over the window", small, needs.Needs{PromptBytes: 36000}, LacksContextWindow},
		{"the cap makes room", capped, needs.Needs{PromptBytes: 28000, MaxTokens: 128000}, ""},
		{"unknown window is no limit", all, needs.Needs{PromptBytes: 4 << 30}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := &Target{Name: "t", Caps: tt.caps}
			if got := target.Lacks(tt.n); got != tt.want {
				t.Fatalf("Lacks = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCapabilitiesFromConfig(t *testing.T) {
	cfg, err := config.Parse([]byte(`
providers:
  o: {type: openai}
  a: {type: anthropic}
  g: {type: gemini, api_key: test-key}
  b: {type: bedrock, region: us-east-1, access_key_id: test-access-key, secret_access_key: test-secret-key}
targets:
  gemini: {provider: g, model: gemini-2.5-flash}
  gemini-embed: {provider: g, model: gemini-embedding-001}
  nova: {provider: b, model: amazon.nova-pro-v1:0}
  titan: {provider: b, model: amazon.titan-embed-text-v2:0}
  cohere: {provider: b, model: us.cohere.embed-multilingual-v3}
  forced: {provider: b, model: amazon.nova-pro-v1:0, capabilities: {embeddings: true}}
  gpt: {provider: o, model: m, capabilities: {vision: false, context_window: 128000, max_output_tokens: 16384}}
  claude: {provider: a, model: m, prefill: true}
  local: {provider: o, model: m, capabilities: {embeddings: false, prefill: true}}
routes: {r: {targets: [gpt, local], fallbacks: [claude], context_fallback: claude}}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := Build(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ts := rt.Targets()
	want := map[string]Capabilities{
		"gpt":    {Tools: true, JSONSchema: true, Embeddings: true, ContextWindow: 128000, MaxOutputTokens: 16384},
		"claude": {Tools: true, Vision: true, JSONSchema: true},
		"local":  {Tools: true, Vision: true, JSONSchema: true},
		// Gemini has embeddings; Bedrock's embeddings models do, and
		// serve nothing else.
		"gemini":       {Tools: true, Vision: true, JSONSchema: true, Embeddings: true},
		"gemini-embed": {Tools: true, Vision: true, JSONSchema: true, Embeddings: true, EmbeddingsOnly: true},
		"nova":         {Tools: true, Vision: true, JSONSchema: true},
		"titan":        {Tools: true, Vision: true, JSONSchema: true, Embeddings: true, EmbeddingsOnly: true},
		"cohere":       {Tools: true, Vision: true, JSONSchema: true, Embeddings: true, EmbeddingsOnly: true},
		"forced":       {Tools: true, Vision: true, JSONSchema: true, Embeddings: true},
	}
	for name, c := range want {
		if ts[name].Caps != c {
			t.Errorf("%s: caps %+v, want %+v", name, ts[name].Caps, c)
		}
	}
	if !ts["claude"].Prefill || !ts["local"].Prefill || ts["gpt"].Prefill {
		t.Errorf("prefill from either key: claude %v local %v gpt %v", ts["claude"].Prefill, ts["local"].Prefill, ts["gpt"].Prefill)
	}
	if r := rt.Route("r"); r.ContextFallback != ts["claude"] {
		t.Errorf("context fallback %v", r.ContextFallback)
	}
}
