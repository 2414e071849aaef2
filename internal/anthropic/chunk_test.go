package anthropic

import "testing"

func TestClassify(t *testing.T) {
	tests := []struct {
		name, data string
		want       ChunkKind
	}{
		{"message_start", `{"type":"message_start","message":{"id":"msg_1","content":[],"usage":{"input_tokens":3,"output_tokens":1}}}`, Preamble},
		{"ping", `{"type": "ping"}`, Preamble},
		{"ping", ``, Preamble},
		{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`, Preamble},
		{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text"}}`, Preamble},
		{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Hi"}}`, Content},
		{"content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}`, Content},
		{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}`, Content},
		{"content_block_start", `{"type":"content_block_start","index":0}`, Garbage},
		{"content_block_start", `{"type":"content_block_start","content_block":null}`, Garbage},
		{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`, Content},
		{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}`, Content},
		{"content_block_delta", `{not json`, Garbage},
		{"content_block_stop", `{"type":"content_block_stop","index":0}`, Preamble},
		{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}`, Content},
		{"message_stop", `{"type":"message_stop"}`, DoneChunk},
		{"error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, ErrorChunk},
		{"error", `<html>`, ErrorChunk},
		{"message_start", `{not json`, Garbage},
		{"some_future_event", `{"type":"some_future_event"}`, Preamble},
		// Without an event: line, the data's type decides.
		{"", `{"type":"message_stop"}`, DoneChunk},
		{"", `{"type":"err\u006fr","error":{"type":"api_error","message":"boom"}}`, ErrorChunk},
		{"", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}`, Content},
		{"", `{"type":"ping"}`, Preamble},
		{"", `{"delta":{}}`, Garbage},
		{"", `{"type":7}`, Garbage},
		{"", `[1]`, Garbage},
		{"", `nope`, Garbage},
	}
	for _, tt := range tests {
		if got := Classify([]byte(tt.name), []byte(tt.data)); got != tt.want {
			t.Errorf("Classify(%q, %s) = %v, want %v", tt.name, tt.data, got, tt.want)
		}
	}
}

func TestIsErrorOrDone(t *testing.T) {
	tests := []struct {
		name, data string
		want       Relayed
	}{
		{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"{\"type\":\"error\"}"}}`, Ordinary},
		{"content_block_delta", `{broken`, Ordinary}, // named events are not decoded after commit
		{"message_delta", `{"type":"message_delta"}`, Ordinary},
		{"ping", ``, Ordinary},
		{"message_stop", `{"type":"message_stop"}`, End},
		{"error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, Failed},
		{"", `{"type":"message_stop"}`, End},
		{"", `{"type":"error","error":{"type":"api_error"}}`, Failed},
		{"", `{"type":"content_block_delta"}`, Ordinary},
		{"", `{broken`, Failed},
	}
	for _, tt := range tests {
		if got := IsErrorOrDone([]byte(tt.name), []byte(tt.data)); got != tt.want {
			t.Errorf("IsErrorOrDone(%q, %s) = %v, want %v", tt.name, tt.data, got, tt.want)
		}
	}
}

func TestIsErrorOrDoneDoesNotAllocateOnNamedEvents(t *testing.T) {
	name, data := []byte("content_block_delta"), []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`)
	if n := testing.AllocsPerRun(100, func() { IsErrorOrDone(name, data) }); n != 0 {
		t.Errorf("%v allocations per event", n)
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range [][2]string{
		{"message_start", `{"type":"message_start","message":{"id":"msg_1","content":[]}}`},
		{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`},
		{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}`},
		{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`},
		{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}`},
		{"message_stop", `{"type":"message_stop"}`},
		{"error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`},
		{"", `{"type":"error"}`},
		{"", `{"type":"m\u0065ssage_stop"}`},
		{"", `{"type":["x"]}`},
		{"", ` {not json`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, name, data []byte) {
		kind, relayed := Classify(name, data), IsErrorOrDone(name, data)
		if kind < Preamble || kind > Garbage {
			t.Fatalf("Classify = %d", kind)
		}
		// The two must agree on what ends a stream and what fails it.
		if (kind == DoneChunk) != (relayed == End) {
			t.Fatalf("Classify %v but IsErrorOrDone %v for %q %q", kind, relayed, name, data)
		}
		if kind == ErrorChunk && relayed != Failed {
			t.Fatalf("an error event relayed as %v: %q %q", relayed, name, data)
		}
	})
}
