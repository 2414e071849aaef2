package route

import (
	"strings"

	"github.com/backstophq/backstop/internal/bedrock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/needs"
)

// Capabilities are what a target can serve (config.Capabilities, with
// the defaults resolved). A request that needs what a target lacks skips
// it: the target is not tried, and the skip is no failure of its.
type Capabilities struct {
	Tools, Vision, JSONSchema, Embeddings bool
	// EmbeddingsOnly: the model is an embeddings model, which serves no
	// chat (a Bedrock amazon.titan-embed* or cohere.embed*, a Gemini
	// *embedding* model).
	EmbeddingsOnly bool
	// ContextWindow is the model's window in tokens; 0 means unknown.
	ContextWindow int
	// MaxOutputTokens caps the output asked of the target; 0 means none.
	MaxOutputTokens int
}

func capabilities(tc *config.Target, providerType string) Capabilities {
	c := tc.Capabilities
	only := embeddingsModel(providerType, tc.Model)
	return Capabilities{
		Tools: c.Tools, Vision: c.Vision, JSONSchema: c.JSONSchema,
		Embeddings: tc.ServesEmbeddings(providerType, only), EmbeddingsOnly: only,
		ContextWindow: c.ContextWindow, MaxOutputTokens: c.MaxOutputTokens,
	}
}

// embeddingsModel reports whether model, of a provider of type
// providerType, is an embeddings model by its id.
func embeddingsModel(providerType, model string) bool {
	switch providerType {
	case config.ProviderBedrock:
		return bedrock.IsEmbeddingsModel(model)
	case config.ProviderGemini:
		// gemini-embedding-001, text-embedding-004, embedding-001.
		return strings.Contains(model, "embedding")
	}
	return false
}

// Lack is why a target cannot serve a request: a short label for logs and
// the x-backstop-skipped header. "" means it can.
type Lack string

// The reasons a target is skipped for a request.
const (
	LacksVision        Lack = "images"
	LacksTools         Lack = "tools"
	LacksJSONSchema    Lack = "json_schema"
	LacksEmbeddings    Lack = "embeddings"
	LacksChat          Lack = "chat"
	LacksContextWindow Lack = "context_window"
)

// Lacks says why t cannot serve a request that needs n, or "" when it
// can. The context check counts the estimated prompt and the output the
// request asks for, as capped by t's max_output_tokens: a request that
// asks for 128000 tokens of a target capped at 8192 needs room for 8192.
func (t *Target) Lacks(n needs.Needs) Lack {
	c := &t.Caps
	switch {
	case n.Embeddings && !c.Embeddings:
		return LacksEmbeddings
	case !n.Embeddings && c.EmbeddingsOnly:
		return LacksChat
	case n.Images && !c.Vision:
		return LacksVision
	case n.Tools && !c.Tools:
		return LacksTools
	case n.JSONSchema && !c.JSONSchema:
		return LacksJSONSchema
	case c.ContextWindow > 0 && int64(n.PromptTokens())+t.OutputFor(n.MaxTokens) > int64(c.ContextWindow):
		return LacksContextWindow
	}
	return ""
}

// OutputFor is the output a request asking for asked tokens (0: it did
// not say) may get from t: asked, capped at t's max_output_tokens.
func (t *Target) OutputFor(asked int64) int64 {
	if capped := int64(t.Caps.MaxOutputTokens); capped > 0 && asked > capped {
		return capped
	}
	return asked
}
