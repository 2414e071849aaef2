package openai

import (
	"bytes"
	"encoding/json"
	"github.com/backstophq/backstop/internal/jsonscan"
)

// Done is the data of the event that ends an OpenAI stream.
var Done = []byte("[DONE]")

// ChunkKind is what a stream event's data holds, as far as the gateway
// cares.
type ChunkKind uint8

const (
	// Preamble: a chunk with nothing a client shows yet (the first
	// role-only chunk, an empty delta). Failing over after it is still
	// invisible.
	Preamble ChunkKind = iota + 1
	// Content: text, a tool call, a refusal, a finish reason or usage.
	// The gateway commits to a target at the first of these.
	Content
	// ErrorChunk: a top-level "error" object sent inside the stream.
	ErrorChunk
	// DoneChunk: the [DONE] sentinel.
	DoneChunk
	// Garbage: not JSON, or not a chunk.
	Garbage
)

type chunkProbe struct {
	Error   json.RawMessage `json:"error"`
	Choices []struct {
		Delta struct {
			Content      *string         `json:"content"`
			Refusal      *string         `json:"refusal"`
			ToolCalls    json.RawMessage `json:"tool_calls"`
			FunctionCall json.RawMessage `json:"function_call"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage json.RawMessage `json:"usage"`
}

func isSet(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// Relayed is the kind of an event seen after commit, found without
// decoding ordinary chunks.
type Relayed uint8

const (
	// Ordinary: relay it.
	Ordinary Relayed = iota
	// End: [DONE]; relay it and finish.
	End
	// Failed: the provider reported an error inside the stream.
	Failed
)

// IsErrorOrDone looks at an event's data after commit. Chunks from OpenAI
// and the common compatible servers start with {"id"; only data that does
// not is decoded, to find a top-level "error".
func IsErrorOrDone(data []byte) Relayed {
	data = bytes.TrimSpace(data)
	if bytes.HasPrefix(data, []byte(`{"id"`)) {
		return Ordinary
	}
	if bytes.Equal(data, Done) {
		return End
	}
	var p struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(data, &p) != nil || isSet(p.Error) {
		return Failed
	}
	return Ordinary
}

// ChunkID returns the top-level "id" of a chunk as a JSON string literal
// (quotes included), or nil when it has none.
func ChunkID(data []byte) []byte {
	if !jsonscan.Valid(data) {
		return nil
	}
	var id []byte
	_ = eachMember(data, func(key []byte, start, end int) *RequestError {
		if string(key) == "id" && data[start] == '"' {
			id = data[start:end]
		}
		return nil
	})
	return id
}

// WithID returns the chunk with its top-level "id" replaced by id, a JSON
// string literal. A stream continued on another target keeps the id of
// the stream the client saw begin, since SDKs drop chunks whose id
// changes. Data without an id is returned as it is.
func WithID(data, id []byte) []byte {
	if !jsonscan.Valid(data) {
		return data
	}
	out := data
	_ = eachMember(data, func(key []byte, start, end int) *RequestError {
		if string(key) == "id" {
			out = jsonscan.Splice(data, start, end, id)
		}
		return nil
	})
	return out
}

// DeltaText returns the text of a chunk's first choice's delta, and
// whether the chunk carried a tool call (which a continuation cannot
// resume).
func DeltaText(data []byte) (text string, toolCall bool) {
	var p chunkProbe
	if json.Unmarshal(data, &p) != nil || len(p.Choices) == 0 {
		return "", false
	}
	d := p.Choices[0].Delta
	if d.Content != nil {
		text = *d.Content
	}
	return text, isSet(d.ToolCalls) || isSet(d.FunctionCall)
}
