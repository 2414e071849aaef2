package translate

import (
	"encoding/json"
	"strings"
	"testing"
)

// checkConverseOutput checks a Converse stream as the translator wrote
// it: complete named events with JSON data, nothing after metadata or an
// exception.
func checkConverseOutput(t *testing.T, out []byte) {
	ended := false
	for _, ev := range splitEvents(t, out) {
		if ended {
			t.Fatalf("event after the end: %q", ev)
		}
		name, data, ok := strings.Cut(ev, "\n")
		name, okName := strings.CutPrefix(name, "event: ")
		data, okData := strings.CutPrefix(data, "data: ")
		if !ok || !okName || !okData || name == "" || strings.Contains(data, "\n") || !json.Valid([]byte(data)) {
			t.Fatalf("not an event line and a JSON data line: %q", ev)
		}
		ended = name == "metadata" || isException(name)
	}
}

func FuzzConverseToOpenAIStream(f *testing.F) {
	for _, s := range seedFiles(f, "converse_stream.sse") {
		f.Add(s, []byte(nil))
	}
	f.Add([]byte(nil), []byte{0, 1, 5, 2, 3, 9, 4, 7})
	pool := eventPool(f, "converse_stream.sse")
	f.Fuzz(func(t *testing.T, stream, order []byte) {
		fuzzStream(t, mustStream(Converse, OpenAI, len(order)%2 == 0), pool, stream, order, checkOpenAIOutput)
	})
}

func FuzzConverseToAnthropicStream(f *testing.F) {
	for _, s := range seedFiles(f, "converse_stream.sse") {
		f.Add(s, []byte(nil))
	}
	f.Add([]byte(nil), []byte{0, 3, 4, 4, 5, 6, 1, 8})
	pool := eventPool(f, "converse_stream.sse")
	f.Fuzz(func(t *testing.T, stream, order []byte) {
		fuzzStream(t, mustStream(Converse, Anthropic, false), pool, stream, order, checkAnthropicOutput)
	})
}

// FuzzToConverseStream: Anthropic and OpenAI streams, recombined in any
// order, reach a Converse client as well-formed events.
func FuzzToConverseStream(f *testing.F) {
	for _, s := range seedFiles(f, "anthropic_stream.sse") {
		f.Add(s, []byte(nil), false)
	}
	for _, s := range seedFiles(f, "openai_stream.sse") {
		f.Add(s, []byte(nil), true)
	}
	f.Add([]byte(nil), []byte{0, 2, 4, 1, 9}, false)
	an, oa := eventPool(f, "anthropic_stream.sse"), eventPool(f, "openai_stream.sse")
	f.Fuzz(func(t *testing.T, stream, order []byte, fromOpenAI bool) {
		if fromOpenAI {
			fuzzStream(t, mustStream(OpenAI, Converse, false), oa, stream, order, checkConverseOutput)
			return
		}
		fuzzStream(t, mustStream(Anthropic, Converse, false), an, stream, order, checkConverseOutput)
	})
}

// FuzzOpenAIToConverse: whatever the client sent, the translation is an
// *Error or a request Bedrock's rules accept.
func FuzzOpenAIToConverse(f *testing.F) {
	for _, s := range seedFiles(f, "openai_request.json") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := ConvertRequest(OpenAI, Converse, body, converseTarget)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("a request error must be an *Error: %T %v", err, err)
			}
			return
		}
		checkConverseShape(t, out, false)
	})
}

// FuzzConverseRequest: whatever a Converse client sent, reading it is an
// *Error or a request that translates to Anthropic's shape.
func FuzzConverseRequest(f *testing.F) {
	for _, s := range seedFiles(f, "converse_request.from_anthropic.golden.json") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := ConvertRequest(Converse, Anthropic, body, anthropicTarget)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("a request error must be an *Error: %T %v", err, err)
			}
			return
		}
		var req struct {
			MaxTokens int               `json:"max_tokens"`
			Messages  []json.RawMessage `json:"messages"`
		}
		if err := json.Unmarshal(out, &req); err != nil || req.MaxTokens <= 0 || req.Messages == nil {
			t.Fatalf("not an Anthropic request (%v): %s", err, out)
		}
	})
}
