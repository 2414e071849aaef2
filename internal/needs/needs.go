// Package needs describes what serving a request takes of a target:
// images, tools, a JSON schema, embeddings, room in its context window.
// The dialect parsers fill it in the same single scan that finds the
// model, and routing compares it with each target's capabilities
// (route.Target.Lacks), so both speak of one type.
package needs

import "github.com/backstophq/backstop/internal/tokens"

// Needs is what serving one request takes, in any dialect.
type Needs struct {
	// Images: a message (or a tool result) holds an image; ImageParam is
	// where the first one is, e.g. "messages[0].content[1]".
	Images     bool
	ImageParam string
	// Tools: the request defines tools.
	Tools bool
	// JSONSchema: the request asks for output that follows a JSON schema.
	JSONSchema bool
	// Embeddings: the request is for embeddings.
	Embeddings bool
	// PromptBytes is the size of the prompt's JSON as the client sent it
	// (system, messages and tool definitions, or an embeddings input).
	PromptBytes int
	// MaxTokens is the most output the request asks for; 0 when it does
	// not say.
	MaxTokens int64
}

// PromptTokens is the estimated size of the prompt, in tokens
// (internal/tokens).
func (n Needs) PromptTokens() int { return tokens.Estimate(n.PromptBytes) }
