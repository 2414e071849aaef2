package route

import (
	"testing"

	"github.com/backstophq/backstop/internal/config"
)

// TestTargetDialects: a Bedrock provider speaks Anthropic to Anthropic's
// models and Converse to the others; other providers speak their own.
func TestTargetDialects(t *testing.T) {
	cfg, err := config.Parse([]byte(`
providers:
  o: {type: openai, base_url: "http://127.0.0.1:9/v1"}
  a: {type: anthropic, base_url: "http://127.0.0.1:9"}
  b: {type: bedrock, region: us-east-1, base_url: "http://127.0.0.1:9", api_key: test-key}
targets:
  gpt: {provider: o, model: m}
  claude: {provider: a, model: m}
  sonnet: {provider: b, model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0"}
  nova: {provider: b, model: "amazon.nova-pro-v1:0"}
routes:
  r: {targets: [gpt, claude, sonnet, nova]}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := Build(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for name, want := range map[string]string{"gpt": "openai", "claude": "anthropic", "sonnet": "anthropic", "nova": "converse"} {
		if got := rt.Targets()[name].Dialect; got != want {
			t.Errorf("%s speaks %q, want %q", name, got, want)
		}
	}
}
