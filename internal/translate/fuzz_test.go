package translate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedFiles returns the contents of every testdata/*/name.
func seedFiles(f *testing.F, name string) [][]byte {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*", name))
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		f.Fatalf("no seeds named %s", name)
	}
	return out
}

// eventPool is every event of every seed stream of a dialect, for the
// fuzzers to recombine in any order.
func eventPool(f *testing.F, name string) []sseEvent {
	var pool []sseEvent
	for _, s := range seedFiles(f, name) {
		pool = append(pool, parseSSE(s)...)
	}
	return pool
}

// fuzzStream feeds s the events of stream, then (when order is not empty)
// events of the pool in the order's bytes, and checks every output.
func fuzzStream(t *testing.T, s Stream, pool []sseEvent, stream, order []byte, check func(t *testing.T, out []byte)) {
	events := parseSSE(stream)
	for _, b := range order {
		events = append(events, pool[int(b)%len(pool)])
	}
	var all []byte
	for _, ev := range events {
		out, err := s.Event([]byte(ev.name), []byte(ev.data))
		if err != nil && out != nil {
			t.Fatalf("an event that failed produced output %q", out)
		}
		all = append(all, out...)
	}
	out, _ := s.End()
	all = append(all, out...)
	check(t, all)
}

// splitEvents splits the translator's output into events; each must be
// complete (end with a blank line).
func splitEvents(t *testing.T, out []byte) []string {
	if len(out) == 0 {
		return nil
	}
	if !bytes.HasSuffix(out, []byte("\n\n")) {
		t.Fatalf("output does not end on an event boundary: %q", out)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n\n"), "\n\n")
}

func checkOpenAIOutput(t *testing.T, out []byte) {
	id, ended := "", false
	for _, ev := range splitEvents(t, out) {
		if ended {
			t.Fatalf("event after the end: %q", ev)
		}
		data, ok := strings.CutPrefix(ev, "data: ")
		if !ok || strings.Contains(data, "\n") {
			t.Fatalf("not one data line: %q", ev)
		}
		if data == "[DONE]" || strings.HasPrefix(data, `{"error"`) {
			ended = true
			if !json.Valid([]byte(data)) && data != "[DONE]" {
				t.Fatalf("malformed error: %q", data)
			}
			continue
		}
		var c sdkChunk
		strictDecode(t, "chunk", []byte(data), &c)
		if id == "" {
			id = c.ID
		} else if c.ID != id {
			t.Fatalf("id changed from %q to %q", id, c.ID)
		}
	}
}

func checkAnthropicOutput(t *testing.T, out []byte) {
	ended := false
	for _, ev := range splitEvents(t, out) {
		if ended {
			t.Fatalf("event after the end: %q", ev)
		}
		name, data, ok := strings.Cut(ev, "\n")
		name, okName := strings.CutPrefix(name, "event: ")
		data, okData := strings.CutPrefix(data, "data: ")
		if !ok || !okName || !okData || strings.Contains(data, "\n") {
			t.Fatalf("not an event line and a data line: %q", ev)
		}
		var e sdkStreamEvent
		strictDecode(t, "event", []byte(data), &e)
		if e.Type != name {
			t.Fatalf("event %q has type %q", name, e.Type)
		}
		ended = name == "message_stop" || name == "error"
	}
}

func FuzzAnthropicToOpenAIStream(f *testing.F) {
	for _, s := range seedFiles(f, "anthropic_stream.sse") {
		f.Add(s, []byte(nil))
	}
	f.Add([]byte(nil), []byte{0, 3, 1, 2, 2, 9, 7, 4})
	pool := eventPool(f, "anthropic_stream.sse")
	f.Fuzz(func(t *testing.T, stream, order []byte) {
		fuzzStream(t, NewAnthropicToOpenAIStream(len(order)%2 == 0), pool, stream, order, checkOpenAIOutput)
	})
}

func FuzzOpenAIToAnthropicStream(f *testing.F) {
	for _, s := range seedFiles(f, "openai_stream.sse") {
		f.Add(s, []byte(nil))
	}
	f.Add([]byte(nil), []byte{1, 0, 5, 5, 2, 8, 3})
	pool := eventPool(f, "openai_stream.sse")
	f.Fuzz(func(t *testing.T, stream, order []byte) {
		fuzzStream(t, NewOpenAIToAnthropicStream(), pool, stream, order, checkAnthropicOutput)
	})
}

// FuzzOpenAIToAnthropic: whatever the client sent, the translation is an
// *Error or a request of Anthropic's shape with alternating, non-empty
// turns, no empty text block and a positive max_tokens.
func FuzzOpenAIToAnthropic(f *testing.F) {
	for _, s := range seedFiles(f, "openai_request.json") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := OpenAIToAnthropic(body, anthropicTarget)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("a request error must be an *Error: %T %v", err, err)
			}
			return
		}
		var req sdkAnthropicRequest
		strictDecode(t, "Anthropic request", out, &req)
		for i, m := range req.Messages {
			if len(m.Content) == 0 || i > 0 && req.Messages[i-1].Role == m.Role {
				t.Fatalf("messages[%d]: empty or repeated %s turn", i, m.Role)
			}
			for _, b := range m.Content {
				if b.Type == "text" && b.Text == "" {
					t.Fatalf("messages[%d]: empty text block", i)
				}
			}
		}
		if req.MaxTokens <= 0 {
			t.Fatalf("max_tokens %d", req.MaxTokens)
		}
	})
}

// FuzzAnthropicToOpenAI: whatever the client sent, the translation is an
// *Error or a request of OpenAI's shape without empty assistant turns.
func FuzzAnthropicToOpenAI(f *testing.F) {
	for _, s := range seedFiles(f, "anthropic_request.json") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := AnthropicToOpenAI(body, openAITarget)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("a request error must be an *Error: %T %v", err, err)
			}
			return
		}
		var req sdkOpenAIRequest
		strictDecode(t, "OpenAI request", out, &req)
		for i, m := range req.Messages {
			if m.Role == "assistant" && string(m.Content) == "null" && len(m.ToolCalls) == 0 {
				t.Fatalf("messages[%d]: empty assistant turn", i)
			}
		}
	})
}

// FuzzAppendString: the hand-written JSON string writer used by the
// stream encoders agrees with encoding/json on every input.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\" back\\slash", "ctl\x00\x1f\t\n\r", "bad\xff\xfeutf8", "sep\u2028\u2029", "<&>", "é漢🙂"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %s, encoding/json says %s", s, got, want)
		}
	})
}

// checkGeminiOutput: every event of a Gemini stream is one data line
// holding a GenerateContentResponse or an error, and nothing follows an
// error.
func checkGeminiOutput(t *testing.T, out []byte) {
	ended := false
	for _, ev := range splitEvents(t, out) {
		if ended {
			t.Fatalf("event after an error: %q", ev)
		}
		data, ok := strings.CutPrefix(ev, "data: ")
		if !ok || strings.Contains(data, "\n") {
			t.Fatalf("not one data line: %q", ev)
		}
		geminiChunkShape(t, []byte(data))
		ended = strings.HasPrefix(data, `{"error"`)
	}
}

// FuzzGeminiStream: whatever a Gemini stream holds, in whatever order, the
// translation into each client dialect is well formed, and so is a
// Gemini stream written from an OpenAI one.
func FuzzGeminiStream(f *testing.F) {
	for _, s := range seedFiles(f, "gemini_stream.sse") {
		f.Add(s, []byte(nil))
	}
	f.Add([]byte(nil), []byte{0, 2, 1, 4, 3, 3, 6})
	pool := eventPool(f, "gemini_stream.sse")
	openAIPool := eventPool(f, "openai_stream.sse")
	f.Fuzz(func(t *testing.T, stream, order []byte) {
		fuzzStream(t, mustStream(Gemini, OpenAI, true), pool, stream, order, checkOpenAIOutput)
		fuzzStream(t, mustStream(Gemini, Anthropic, true), pool, stream, order, checkAnthropicOutput)
		fuzzStream(t, mustStream(OpenAI, Gemini, true), openAIPool, nil, order, checkGeminiOutput)
	})
}

// FuzzOpenAIToGemini: whatever the client sent, the translation is an
// *Error or a request Gemini's SDK types accept.
func FuzzOpenAIToGemini(f *testing.F) {
	for _, s := range seedFiles(f, "openai_request.json") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := ConvertRequest(OpenAI, Gemini, body, geminiTarget)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("a request error must be an *Error: %T %v", err, err)
			}
			return
		}
		checkGeminiRequest(t, out, &expectation{})
	})
}
