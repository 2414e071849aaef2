package translate

import (
	"errors"
	"strings"
	"testing"
)

// feed sends events (name, data) to s and returns the concatenated
// output.
func feed(t *testing.T, s Stream, events ...[2]string) string {
	t.Helper()
	var out strings.Builder
	for _, ev := range events {
		b, err := s.Event([]byte(ev[0]), []byte(ev[1]))
		if err != nil {
			t.Fatalf("event %q: %v", ev[1], err)
		}
		out.Write(b)
	}
	return out.String()
}

func TestAnthropicToOpenAIWithoutUsage(t *testing.T) {
	s := NewAnthropicToOpenAIStream(false)
	out := feed(t, s,
		[2]string{"message_start", `{"type":"message_start","message":{"id":"msg_1","model":"c","usage":{"input_tokens":3,"output_tokens":1}}}`},
		[2]string{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`},
		[2]string{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}`},
		[2]string{"content_block_stop", `{"type":"content_block_stop","index":0}`},
		[2]string{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}`},
		[2]string{"message_stop", `{"type":"message_stop"}`},
	)
	if strings.Contains(out, `"usage"`) {
		t.Errorf("a client that did not ask for usage got it:\n%s", out)
	}
	if !strings.HasSuffix(out, "data: [DONE]\n\n") {
		t.Errorf("no [DONE] at the end:\n%s", out)
	}
	if b, err := s.End(); err != nil || len(b) != 0 {
		t.Errorf("End after message_stop: %q, %v", b, err)
	}
}

// TestEventsAfterEndAreIgnored: once the client's stream is over, nothing
// more may reach it, not even a second terminal.
func TestEventsAfterEndAreIgnored(t *testing.T) {
	s := NewOpenAIToAnthropicStream()
	feed(t, s, [2]string{"", `{"id":"c","choices":[{"index":0,"delta":{"content":"x"}}]}`}, [2]string{"", "[DONE]"})
	if out := feed(t, s, [2]string{"", `{"id":"c","choices":[{"index":0,"delta":{"content":"late"}}]}`}, [2]string{"", "[DONE]"}); out != "" {
		t.Errorf("output after the end: %q", out)
	}
	a := NewAnthropicToOpenAIStream(true)
	feed(t, a, [2]string{"error", `{"type":"error","error":{"type":"api_error","message":"x"}}`})
	if out := feed(t, a, [2]string{"message_stop", `{"type":"message_stop"}`}); out != "" {
		t.Errorf("output after an error: %q", out)
	}
	if _, err := a.End(); err != nil {
		t.Errorf("End after an error event: %v; the error was already told", err)
	}
}

// TestMalformedEventKeepsState: a garbage event is reported and the
// stream goes on as if it had not come.
func TestMalformedEventKeepsState(t *testing.T) {
	s := NewOpenAIToAnthropicStream()
	feed(t, s, [2]string{"", `{"id":"c","choices":[{"index":0,"delta":{"content":"a"}}]}`})
	if _, err := s.Event(nil, []byte(`{"id":`)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("got %v, want ErrMalformed", err)
	}
	out := feed(t, s, [2]string{"", `{"id":"c","choices":[{"index":0,"delta":{"content":"b"}}]}`})
	if strings.Contains(out, "content_block_start") || !strings.Contains(out, `"text":"b"`) {
		t.Errorf("the open text block was lost:\n%s", out)
	}
}

// TestOpenAIStreamWithoutFinishReason: a server that starts without a
// role chunk and ends without a finish reason still gives the Anthropic
// client message_start first and a tool_use stop.
func TestOpenAIStreamWithoutFinishReason(t *testing.T) {
	s := NewOpenAIToAnthropicStream()
	out := feed(t, s,
		[2]string{"", `{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"t1","function":{"name":"f","arguments":""}}]}}]}`},
		[2]string{"", "[DONE]"},
	)
	if !strings.HasPrefix(out, "event: message_start\n") {
		t.Errorf("does not start with message_start:\n%s", out)
	}
	if !strings.Contains(out, `"partial_json":"{}"`) || !strings.Contains(out, `"stop_reason":"tool_use"`) {
		t.Errorf("a tool call without arguments or reason must end as {} and tool_use:\n%s", out)
	}
}

// TestAnthropicMessageStopWithoutDelta: a provider that skips
// message_delta still gives the client a finish chunk before [DONE].
func TestAnthropicMessageStopWithoutDelta(t *testing.T) {
	out := feed(t, NewAnthropicToOpenAIStream(false),
		[2]string{"message_start", `{"type":"message_start","message":{"id":"m","model":"c"}}`},
		[2]string{"message_stop", `{"type":"message_stop"}`},
	)
	if !strings.Contains(out, `"finish_reason":"stop"`) || !strings.HasSuffix(out, "data: [DONE]\n\n") {
		t.Errorf("got:\n%s", out)
	}
}

// TestAnthropicToolStartInput: a tool_use that arrives whole in
// content_block_start keeps its input.
func TestAnthropicToolStartInput(t *testing.T) {
	out := feed(t, NewAnthropicToOpenAIStream(false),
		[2]string{"", `{"type":"message_start","message":{"id":"m","model":"c"}}`},
		[2]string{"", `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"f","input":{"a":1}}}`},
		[2]string{"", `{"type":"content_block_stop","index":0}`},
	)
	if !strings.Contains(out, `"arguments":"{\"a\":1}"`) {
		t.Errorf("the start input was lost:\n%s", out)
	}
}

func TestNewStreamByDialect(t *testing.T) {
	s, err := NewStream(Anthropic, OpenAI, true)
	if err != nil {
		t.Fatal(err)
	}
	out := feed(t, s, [2]string{"", `{"type":"message_start","message":{"id":"m","model":"c"}}`})
	if !strings.HasPrefix(out, `data: {"id":"m","object":"chat.completion.chunk"`) {
		t.Errorf("got %q", out)
	}
}

// A stream whose provider gave no id gets one of its own, never shared
// with another answer (the golden tests fix newID; randomID is the real one).
func TestStreamIDsAreUnique(t *testing.T) {
	a, b := randomID(), randomID()
	if a == b || len(a) != 24 {
		t.Fatalf("randomID gave %q and %q", a, b)
	}
}
