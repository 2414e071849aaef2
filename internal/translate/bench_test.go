package translate

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func readCase(b *testing.B, path string) []byte {
	body, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// largeAnthropicRequest is a Claude Code sized request (about 60 KB):
// the claude_code case with its environment and tool descriptions grown.
func largeAnthropicRequest(b *testing.B) []byte {
	var req map[string]any
	if err := json.Unmarshal(readCase(b, "testdata/claude_code/anthropic_request.json"), &req); err != nil {
		b.Fatal(err)
	}
	msgs := req["messages"].([]any)
	msgs[0].(map[string]any)["content"] = strings.Repeat("<env>Working directory: /repo</env>\n", 250)
	tools := req["tools"].([]any)
	for i := 0; len(tools) < 18; i++ {
		t := map[string]any{}
		for k, v := range tools[i%3].(map[string]any) {
			t[k] = v
		}
		t["name"] = "Tool" + string(rune('A'+len(tools)))
		t["description"] = strings.Repeat("Describes what the tool does and when to use it. ", 40)
		tools = append(tools, t)
	}
	req["tools"] = tools
	body, _ := json.Marshal(req)
	return body
}

func benchRequest(b *testing.B, translate func([]byte, string) ([]byte, error), body []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := translate(body, "target"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenAIToAnthropic(b *testing.B) {
	b.Run("plain", func(b *testing.B) {
		benchRequest(b, OpenAIToAnthropic, readCase(b, "testdata/plain_text/openai_request.json"))
	})
	b.Run("tools", func(b *testing.B) {
		benchRequest(b, OpenAIToAnthropic, readCase(b, "testdata/tools/openai_request.json"))
	})
}

func BenchmarkAnthropicToOpenAI(b *testing.B) {
	b.Run("plain", func(b *testing.B) {
		benchRequest(b, AnthropicToOpenAI, readCase(b, "testdata/plain_text/anthropic_request.json"))
	})
	b.Run("claude_code_60KB", func(b *testing.B) {
		benchRequest(b, AnthropicToOpenAI, largeAnthropicRequest(b))
	})
}

func BenchmarkAnthropicResponseToOpenAI(b *testing.B) {
	body := readCase(b, "testdata/tools/anthropic_response.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AnthropicResponseToOpenAI(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenAIResponseToAnthropic(b *testing.B) {
	body := readCase(b, "testdata/tools/openai_response.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := OpenAIResponseToAnthropic(body); err != nil {
			b.Fatal(err)
		}
	}
}

// benchEvent measures one provider event through a stream that has
// begun: the cost the gateway pays per event of a translated stream.
func benchEvent(b *testing.B, s Stream, start [][2]string, name, data string) {
	for _, ev := range start {
		if _, err := s.Event([]byte(ev[0]), []byte(ev[1])); err != nil {
			b.Fatal(err)
		}
	}
	nb, db := []byte(name), []byte(data)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := s.Event(nb, db); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnthropicToOpenAIStreamEvent(b *testing.B) {
	start := [][2]string{
		{"message_start", `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":12,"output_tokens":1}}}`},
		{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`},
	}
	b.Run("text_delta", func(b *testing.B) {
		benchEvent(b, NewAnthropicToOpenAIStream(true), start, "content_block_delta",
			`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello there, how are"}}`)
	})
	toolStart := append(start[:1:1], [2]string{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}`})
	b.Run("input_json_delta", func(b *testing.B) {
		benchEvent(b, NewAnthropicToOpenAIStream(true), toolStart, "content_block_delta",
			`{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Par"}}`)
	})
	b.Run("ping", func(b *testing.B) {
		benchEvent(b, NewAnthropicToOpenAIStream(true), start, "ping", `{"type":"ping"}`)
	})
}

func BenchmarkOpenAIToAnthropicStreamEvent(b *testing.B) {
	start := [][2]string{
		{"", `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`},
		{"", `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}`},
	}
	b.Run("content", func(b *testing.B) {
		benchEvent(b, NewOpenAIToAnthropicStream(), start, "",
			`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"Hello there, how are"},"logprobs":null,"finish_reason":null}]}`)
	})
	toolStart := append(start[:1:1], [2]string{"", `{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}}]}`})
	b.Run("tool_arguments", func(b *testing.B) {
		benchEvent(b, NewOpenAIToAnthropicStream(), toolStart, "",
			`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \"Par"}}]},"finish_reason":null}]}`)
	})
}
