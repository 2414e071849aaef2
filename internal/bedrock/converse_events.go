package bedrock

import (
	"bytes"
	"encoding/json"
	"strings"
)

// ConverseEvent is what one event of a ConverseStream, re-framed as SSE
// (doc.go), means to a relay: whether it shows the client anything yet,
// and whether it ends the stream.
type ConverseEvent uint8

const (
	// ConverseGarbage: data that is not JSON; the provider is broken.
	ConverseGarbage ConverseEvent = iota
	// ConversePreamble: nothing to show yet (messageStart, an empty
	// delta, a block's stop, an event type from a newer API).
	ConversePreamble
	// ConverseContent: text, reasoning, a tool call or its input, or the
	// stop reason.
	ConverseContent
	// ConverseFailed: an exception; the stream ends in error.
	ConverseFailed
	// ConverseEnd: metadata, the last event of a complete stream. A stream
	// that ends after messageStop without it is complete too; the
	// translator (translate.Stream.End) tells which.
	ConverseEnd
)

// ClassifyConverse classifies the event named name with data.
func ClassifyConverse(name, data []byte) ConverseEvent {
	n := string(name)
	if strings.HasSuffix(n, "Exception") {
		return ConverseFailed // whatever its body: Bedrock ended the stream
	}
	if !json.Valid(data) {
		return ConverseGarbage
	}
	switch n {
	case "metadata":
		return ConverseEnd
	case "contentBlockStart", "messageStop":
		return ConverseContent
	case "contentBlockDelta":
		if emptyDelta(data) {
			return ConversePreamble
		}
		return ConverseContent
	}
	return ConversePreamble
}

// emptyDelta reports whether a contentBlockDelta carries nothing: an
// empty text, which some models send first.
func emptyDelta(data []byte) bool {
	var ev struct {
		Delta map[string]json.RawMessage `json:"delta"`
	}
	if json.Unmarshal(data, &ev) != nil || len(ev.Delta) == 0 {
		return true
	}
	text, ok := ev.Delta["text"]
	return ok && len(ev.Delta) == 1 && bytes.Equal(bytes.TrimSpace(text), []byte(`""`))
}
