package anthropic

import (
	"bytes"
	"encoding/json"

	"github.com/backstophq/backstop/internal/jsonscan"
)

// Stream event types, as they appear on the event: line and in the data's
// "type" member.
const (
	EventMessageStart      = "message_start"
	EventContentBlockStart = "content_block_start"
	EventContentBlockDelta = "content_block_delta"
	EventContentBlockStop  = "content_block_stop"
	EventMessageDelta      = "message_delta"
	EventMessageStop       = "message_stop"
	EventPing              = "ping"
	EventError             = "error"
)

// ChunkKind is what a stream event holds, as far as the gateway cares.
type ChunkKind uint8

const (
	// Preamble: an event with nothing a client shows yet: message_start,
	// ping, the start of an empty text block, a block's stop, and event
	// types this package does not know (wire-formats.md §0: ignore them).
	// Failing over after it is still invisible.
	Preamble ChunkKind = iota + 1
	// Content: any content_block_delta, the start of a block that is not
	// an empty text block (tool_use, thinking, text with text), or a
	// message_delta (stop reason and usage). The gateway commits to a
	// target at the first of these.
	Content
	// ErrorChunk: an error event, such as overloaded_error after a 200.
	ErrorChunk
	// DoneChunk: message_stop, the end of the stream.
	DoneChunk
	// Garbage: data that is not JSON, or a content event without the
	// member that says what it carries.
	Garbage
)

// Classify says what a stream event is, from its event: line (name) and
// its data. anthropic-sdk-go dispatches on the name, so the name decides;
// only an event without one (which the SDK would skip) is typed by its
// data's "type". The data is decoded only where the kind depends on it: a
// content_block_start. The gateway calls Classify only until it has
// committed to a target; after that, IsErrorOrDone is enough.
func Classify(name, data []byte) ChunkKind {
	typ, ok := eventType(name, data)
	if !ok {
		return Garbage
	}
	switch string(typ) {
	case EventError:
		return ErrorChunk
	case EventMessageStop:
		return DoneChunk
	case EventContentBlockStart:
		return classifyBlockStart(data)
	case EventContentBlockDelta, EventMessageDelta:
		if !jsonscan.Valid(data) {
			return Garbage
		}
		return Content
	case EventMessageStart, EventContentBlockStop:
		if !jsonscan.Valid(data) {
			return Garbage
		}
		return Preamble
	case EventPing:
		return Preamble
	}
	return Preamble // an event type from a newer API: ignored, like the SDK does
}

// classifyBlockStart tells an empty text block, which shows nothing yet,
// from any other block.
func classifyBlockStart(data []byte) ChunkKind {
	var p struct {
		ContentBlock *struct {
			Type string  `json:"type"`
			Text *string `json:"text"`
		} `json:"content_block"`
	}
	if json.Unmarshal(data, &p) != nil || p.ContentBlock == nil || p.ContentBlock.Type == "" {
		return Garbage
	}
	if p.ContentBlock.Type == "text" && (p.ContentBlock.Text == nil || *p.ContentBlock.Text == "") {
		return Preamble
	}
	return Content
}

// eventType is the event's type: its name, or, for an event without one,
// the top-level "type" of its data. ok is false when the event has no name
// and its data is not a JSON object with a string "type". A named event
// costs no allocation.
func eventType(name, data []byte) (typ []byte, ok bool) {
	if len(name) > 0 {
		return name, true
	}
	data = bytes.TrimSpace(data)
	if !jsonscan.Valid(data) {
		return nil, false
	}
	var quoted []byte
	_ = eachMember(data, func(key []byte, start, end int) *RequestError {
		if string(key) == "type" && data[start] == '"' {
			quoted = data[start:end]
		}
		return nil
	})
	if quoted == nil {
		return nil, false
	}
	typ = quoted[1 : len(quoted)-1]
	if bytes.IndexByte(typ, '\\') >= 0 {
		var s string
		_ = json.Unmarshal(quoted, &s)
		typ = []byte(s)
	}
	return typ, true
}

// Relayed is the kind of an event seen after commit, found without
// decoding ordinary events.
type Relayed uint8

const (
	// Ordinary: relay it.
	Ordinary Relayed = iota
	// End: message_stop; relay it and finish.
	End
	// Failed: the provider reported an error inside the stream (or sent an
	// event without a name whose data is not JSON).
	Failed
)

// IsErrorOrDone looks at an event after commit. Anthropic names every
// event, so the name is enough and the data is not read; only an event
// without a name is decoded, to find its type.
func IsErrorOrDone(name, data []byte) Relayed {
	typ, ok := eventType(name, data)
	switch {
	case !ok:
		return Failed
	case string(typ) == EventMessageStop:
		return End
	case string(typ) == EventError:
		return Failed
	}
	return Ordinary
}
