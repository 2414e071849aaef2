package openai

import (
	"bytes"
	"encoding/json"

	"github.com/backstophq/backstop/internal/jsonscan"
)

// Classify decodes a stream event's data just enough to say what it is.
// The gateway calls it only until it has committed to a target; after
// that, events are relayed with the cheap checks of IsErrorOrDone.
//
// It reads the chunk with jsonscan rather than encoding/json: besides
// being cheaper, reflection-based decoding runs deep enough to grow the
// calling goroutine's stack to 32 KB, and a held-open stream's handler
// goroutine keeps that stack for as long as the stream lasts. A chunk the
// scan cannot settle exactly as json.Unmarshal into chunkProbe would (a
// key in another case, a field given twice) is decoded the old way.
func Classify(data []byte) ChunkKind {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, Done) {
		return DoneChunk
	}
	if !jsonscan.Valid(data) {
		return Garbage
	}
	if k, ok := scanChunk(data); ok {
		return k
	}
	return decodeChunk(data)
}

// decodeChunk classifies valid JSON data with encoding/json.
func decodeChunk(data []byte) ChunkKind {
	var p chunkProbe
	if json.Unmarshal(data, &p) != nil {
		return Garbage
	}
	if isSet(p.Error) {
		return ErrorChunk
	}
	for _, c := range p.Choices {
		d := c.Delta
		if d.Content != nil && *d.Content != "" || d.Refusal != nil && *d.Refusal != "" ||
			isSet(d.ToolCalls) || isSet(d.FunctionCall) || c.FinishReason != nil && *c.FinishReason != "" {
			return Content
		}
	}
	if len(p.Choices) == 0 && isSet(p.Usage) {
		return Content
	}
	return Preamble
}

// chunkScan is what scanChunk has found so far. ok turns false when the
// chunk needs encoding/json's exact rules; garbage when a field has a
// type json.Unmarshal would refuse.
type chunkScan struct {
	ok, garbage        bool
	errorSet, usageSet bool
	choices, content   int   // choices, and of them those with content
	seen               uint8 // top-level fields met: seenError, …
}

const (
	seenError = 1 << iota
	seenChoices
	seenUsage
)

// scanChunk classifies valid JSON data without decoding it. ok is false
// when it cannot be sure to agree with decodeChunk.
func scanChunk(data []byte) (ChunkKind, bool) {
	s := chunkScan{ok: true}
	if !jsonscan.Members(data, func(key []byte, start, end int) bool {
		val := data[start:end]
		switch string(key) {
		case "error":
			s.once(seenError)
			s.errorSet = string(val) != "null"
		case "choices":
			s.once(seenChoices)
			s.scanChoices(val)
		case "usage":
			s.once(seenUsage)
			s.usageSet = string(val) != "null"
		default:
			s.exactKey(key, "error", "choices", "usage")
		}
		return s.ok && !s.garbage
	}) {
		return 0, false // null is a zero chunk, the rest garbage: let encoding/json say
	}
	switch {
	case !s.ok:
		return 0, false
	case s.garbage:
		return Garbage, true
	case s.errorSet:
		return ErrorChunk, true
	case s.content > 0, s.choices == 0 && s.usageSet:
		return Content, true
	}
	return Preamble, true
}

// once gives up on a top-level field met twice: encoding/json merges
// repeated fields in ways not worth repeating here.
func (s *chunkScan) once(bit uint8) {
	if s.seen&bit != 0 {
		s.ok = false
	}
	s.seen |= bit
}

// exactKey gives up on a key that encoding/json would take for one of
// names, which it matches regardless of case.
func (s *chunkScan) exactKey(key []byte, names ...string) {
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			s.ok = false
		}
	}
}

func (s *chunkScan) scanChoices(val []byte) {
	if string(val) == "null" {
		s.choices, s.content = 0, 0
		return
	}
	if val[0] != '[' {
		s.garbage = true
		return
	}
	jsonscan.Elements(val, func(start, end int) bool {
		s.choices++
		if s.scanChoice(val[start:end]) {
			s.content++
		}
		return s.ok && !s.garbage
	})
}

// scanChoice reports whether one choice has content.
func (s *chunkScan) scanChoice(val []byte) bool {
	if string(val) == "null" {
		return false
	}
	if val[0] != '{' {
		s.garbage = true
		return false
	}
	content, seenDelta, seenFin := false, false, false
	jsonscan.Members(val, func(key []byte, start, end int) bool {
		v := val[start:end]
		switch string(key) {
		case "delta":
			if seenDelta {
				s.ok = false
			}
			seenDelta = true
			if s.scanDelta(v) {
				content = true
			}
		case "finish_reason":
			if seenFin {
				s.ok = false
			}
			seenFin = true
			if s.nonEmptyString(v) {
				content = true
			}
		default:
			s.exactKey(key, "delta", "finish_reason")
		}
		return s.ok && !s.garbage
	})
	return content
}

// scanDelta reports whether a delta has content.
func (s *chunkScan) scanDelta(val []byte) bool {
	if string(val) == "null" {
		return false
	}
	if val[0] != '{' {
		s.garbage = true
		return false
	}
	content := false
	var seen uint8
	jsonscan.Members(val, func(key []byte, start, end int) bool {
		v := val[start:end]
		var bit uint8
		switch string(key) {
		case "content", "refusal":
			bit = 1
			if key[0] == 'r' {
				bit = 2
			}
			if s.nonEmptyString(v) {
				content = true
			}
		case "tool_calls", "function_call":
			bit = 4
			if key[0] == 'f' {
				bit = 8
			}
			if string(v) != "null" {
				content = true
			}
		default:
			s.exactKey(key, "content", "refusal", "tool_calls", "function_call")
		}
		if seen&bit != 0 {
			s.ok = false
		}
		seen |= bit
		return s.ok && !s.garbage
	})
	return content
}

// nonEmptyString reports whether v, which must be a string or null, is a
// non-empty string; anything else is a type encoding/json refuses.
func (s *chunkScan) nonEmptyString(v []byte) bool {
	switch v[0] {
	case '"':
		return len(v) > 2 // an escape always stands for at least one character
	case 'n':
		return false
	}
	s.garbage = true
	return false
}
