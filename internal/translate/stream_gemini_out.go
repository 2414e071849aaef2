package translate

import (
	"encoding/json"
	"maps"
	"slices"
)

// geminiEncoder writes a Gemini stream: one chunk per text or thought
// delta, one per function call (held until its arguments are whole, as
// Gemini sends them), and a last chunk with the finishReason and the
// usage. It writes no end marker: the client's stream ends with the
// connection. An error is `data: {"error":…}`.
type geminiEncoder struct {
	done  bool
	id    string
	model string
	usage Usage
	stop  StopReason
	calls map[int]*gmFunctionCall // open calls by decoder key
	args  map[int][]byte
}

func (e *geminiEncoder) encode(out []byte, ev *event) []byte {
	if e.done {
		return out
	}
	switch ev.kind {
	case evStart:
		e.id, e.model, e.usage = ev.id, ev.model, ev.usage
	case evText, evThinking:
		if ev.text != "" {
			t := ev.text
			out = e.chunk(out, gmPart{Text: &t, Thought: ev.kind == evThinking}, "", nil)
		}
	case evToolStart:
		if e.calls == nil {
			e.calls, e.args = map[int]*gmFunctionCall{}, map[int][]byte{}
		}
		if _, open := e.calls[ev.block]; !open {
			e.calls[ev.block] = &gmFunctionCall{ID: ev.id, Name: ev.name}
		}
	case evToolArgs:
		if _, open := e.calls[ev.block]; open {
			e.args[ev.block] = append(e.args[ev.block], ev.text...)
		}
	case evBlockStop:
		out = e.flushCall(out, ev.block)
	case evFinish:
		e.stop = ev.stop
	case evUsage:
		e.usage = ev.usage
	case evEnd:
		for _, key := range slices.Sorted(maps.Keys(e.calls)) {
			out = e.flushCall(out, key)
		}
		e.done = true
		stop := e.stop
		if stop == StopToolUse {
			stop = StopEnd // Gemini says STOP for calls
		}
		u := geminiUsage(e.usage)
		return e.chunk(out, gmPart{}, geminiFinish(stop), u)
	case evError:
		e.done = true
		return append(out, geminiStreamError(ev.err)...)
	}
	return out
}

// flushCall writes the call of key, once its arguments are complete.
func (e *geminiEncoder) flushCall(out []byte, key int) []byte {
	fc, ok := e.calls[key]
	if !ok {
		return out
	}
	delete(e.calls, key)
	fc.Args = objectOrEmpty(e.args[key])
	delete(e.args, key)
	return e.chunk(out, gmPart{FunctionCall: fc}, "", nil)
}

// chunk writes one GenerateContentResponse event; an empty part (the
// last chunk's) gives a candidate without parts.
func (e *geminiEncoder) chunk(out []byte, p gmPart, finish string, u *gmUsage) []byte {
	parts := []gmPart{}
	if p.Text != nil || p.FunctionCall != nil {
		parts = append(parts, p)
	}
	body, _ := json.Marshal(gmResponse{
		Candidates:    []gmCandidate{{Content: &gmContent{Role: "model", Parts: parts}, FinishReason: finish}},
		UsageMetadata: u,
		ModelVersion:  e.model,
		ResponseID:    e.id,
	})
	out = append(out, "data: "...)
	out = append(out, body...)
	return append(out, "\n\n"...)
}
