package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/backstophq/backstop/internal/mock"
)

// These tests put a Gemini target behind a real `backstop serve`: the
// official OpenAI and Anthropic SDKs call it, and the gateway translates
// both ways, streamed or not, tool calls included.

const geminiConfig = `
listen: 127.0.0.1:0
health_interval: 200ms
health_window: 2s
log: {level: info, requests: true}
providers:
  g: {type: gemini, base_url: %s, api_key: test-key-g}
  a: {type: openai, base_url: %s, api_key: test-key-a}
targets:
  tg: {provider: g, model: gemini-g}
  ta: {provider: a, model: model-a}
routes:
  gem:
    targets: [tg]
    retry: {attempts: 1}
  gem-then-openai:
    targets: [tg, ta]
    retry: {attempts: 2, backoff: {base: 10ms, max: 50ms}, max_wait: 1s}
    timeouts: {first_token: 2s, response: 2s, idle: 2s, total: 10s}
`

// newGeminiE2E starts providers g (spoken to in Gemini) and a (OpenAI),
// and a gateway in front of them; e.a is a, e.d is g.
func newGeminiE2E(t *testing.T) (*e2e, *mock.Provider) {
	t.Helper()
	sim := mock.New(mock.Options{Seed: 7})
	t.Cleanup(func() { _ = sim.Close() })
	e := &e2e{t: t, sim: sim}
	g, err := sim.Start("g", "127.0.0.1:0", mock.WithAPIKeys("test-key-g"))
	if err != nil {
		t.Fatal(err)
	}
	if e.a, err = sim.Start("a", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	e.config = fmt.Sprintf(geminiConfig, g.GeminiURL(), e.a.URL())
	e.path = filepath.Join(t.TempDir(), "backstop.yaml")
	if err := os.WriteFile(e.path, []byte(e.config), 0o600); err != nil {
		t.Fatal(err)
	}
	e.start(e.path)
	e.client = openai.NewClient(option.WithBaseURL(e.base+"/v1"), option.WithAPIKey("client-key"), option.WithMaxRetries(0))
	return e, g
}

var weatherFunction = openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
	Name:        "get_weather",
	Description: openai.String("Weather now"),
	Parameters: openai.FunctionParameters{
		"type": "object", "additionalProperties": false, "required": []string{"city"},
		"properties": map[string]any{"city": map[string]any{"type": "string"}},
	},
	Strict: openai.Bool(true),
})

func TestGeminiTargetOpenAIClient(t *testing.T) {
	e, g := newGeminiE2E(t)
	var resp *http.Response
	got, err := e.client.Chat.Completions.New(e.ctx(), chatParams("gem", "hello"), option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	text := got.Choices[0].Message.Content
	if !strings.HasPrefix(text, "[g]") || got.Choices[0].FinishReason != "stop" || got.Usage.CompletionTokens == 0 || resp.Header.Get("X-Backstop-Target") != "tg" {
		t.Fatalf("answer %+v usage %+v target %q", got.Choices[0], got.Usage, resp.Header.Get("X-Backstop-Target"))
	}
	rec := g.Stats().Recent[0]
	if rec.Path != "/v1beta/models/gemini-g:generateContent" || rec.Header.Get("X-Goog-Api-Key") != "test-key-g" || rec.Header.Get("Authorization") != "" {
		t.Fatalf("provider saw %s key %q authorization %q", rec.Path, rec.Header.Get("X-Goog-Api-Key"), rec.Header.Get("Authorization"))
	}
	params := chatParams("gem", "hello")
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	acc := streamed(t, e.client.Chat.Completions.NewStreaming(e.ctx(), params))
	if acc.Choices[0].Message.Content != text || acc.Choices[0].FinishReason != "stop" || acc.Usage.CompletionTokens != got.Usage.CompletionTokens {
		t.Fatalf("streamed %q (usage %+v), non-streamed %q", acc.Choices[0].Message.Content, acc.Usage, text)
	}
	if rec := lastRequest(g); rec.Path != "/v1beta/models/gemini-g:streamGenerateContent" {
		t.Fatalf("stream went to %s", rec.Path)
	}

	// n > 1 cannot go to Gemini: a 400 naming the field.
	params = chatParams("gem", "hello")
	params.N = openai.Int(2)
	_, err = e.client.Chat.Completions.New(e.ctx(), params)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "n" {
		t.Fatalf("n=2: %v", err)
	}
}

func TestGeminiTargetOpenAIToolRoundTrip(t *testing.T) {
	e, _ := newGeminiE2E(t)
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			params := chatParams("gem", "Weather in Paris?")
			params.Tools = []openai.ChatCompletionToolUnionParam{weatherFunction}
			params.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("required")}
			var msg openai.ChatCompletionMessage
			var finish string
			if stream {
				acc := streamed(t, e.client.Chat.Completions.NewStreaming(e.ctx(), params))
				msg, finish = acc.Choices[0].Message, acc.Choices[0].FinishReason
			} else {
				got, err := e.client.Chat.Completions.New(e.ctx(), params)
				if err != nil {
					t.Fatal(err)
				}
				msg, finish = got.Choices[0].Message, got.Choices[0].FinishReason
			}
			if len(msg.ToolCalls) != 1 || finish != "tool_calls" {
				t.Fatalf("message %+v finish %q", msg, finish)
			}
			call := msg.ToolCalls[0]
			if !strings.HasPrefix(call.ID, "call_") || call.Function.Name != "get_weather" || !strings.Contains(call.Function.Arguments, `"city"`) {
				t.Fatalf("tool call %+v", call)
			}
			params.Messages = append(params.Messages, msg.ToParam(), openai.ToolMessage("18 degrees and clear", call.ID))
			params.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{}
			got, err := e.client.Chat.Completions.New(e.ctx(), params)
			if err != nil {
				t.Fatal(err)
			}
			if text := got.Choices[0].Message.Content; text != "[g] The tool get_weather returned: 18 degrees and clear." {
				t.Fatalf("after the tool result: %q", text)
			}
		})
	}
}

func TestGeminiTargetAnthropicClient(t *testing.T) {
	e, g := newGeminiE2E(t)
	c := e.anthropicClient()
	msg, err := c.Messages.New(e.ctx(), claudeParams("gem", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(messageText(msg), "[g]") || msg.StopReason != "end_turn" || msg.Usage.OutputTokens == 0 {
		t.Fatalf("message %+v", msg)
	}
	stream := c.Messages.NewStreaming(e.ctx(), claudeParams("gem", "hello"))
	var acc anthropic.Message
	for stream.Next() {
		if err := acc.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if messageText(&acc) != messageText(msg) || acc.StopReason != "end_turn" {
		t.Fatalf("streamed %q (%s), non-streamed %q", messageText(&acc), acc.StopReason, messageText(msg))
	}

	// A tool round trip: tool_use in a stream, its id back in tool_result.
	params := claudeParams("gem", "Weather in Paris?")
	params.Tools = []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
		Name:        "get_weather",
		InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}, Required: []string{"city"}},
	}}}
	stream = c.Messages.NewStreaming(e.ctx(), params)
	acc = anthropic.Message{}
	for stream.Next() {
		if err := acc.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	var use *anthropic.ToolUseBlock
	for _, b := range acc.Content {
		if b.Type == "tool_use" {
			u := b.AsToolUse()
			use = &u
		}
	}
	if use == nil || use.Name != "get_weather" || acc.StopReason != "tool_use" || !strings.Contains(string(use.Input), `"city"`) {
		t.Fatalf("tool use %+v, stop %q", use, acc.StopReason)
	}
	params.Messages = append(params.Messages, acc.ToParam(),
		anthropic.NewUserMessage(anthropic.NewToolResultBlock(use.ID, "18 degrees and clear", false)))
	msg, err = c.Messages.New(e.ctx(), params)
	if err != nil {
		t.Fatal(err)
	}
	if text := messageText(msg); text != "[g] The tool get_weather returned: 18 degrees and clear." {
		t.Fatalf("after the tool result: %q", text)
	}
	if rec := lastRequest(g); !strings.Contains(string(rec.Body), `"functionResponse"`) {
		t.Fatalf("the tool result did not reach Gemini as a functionResponse: %s", rec.Body)
	}
}

// TestGeminiTargetFailures: Gemini's errors fail over before commit, and
// after commit its in-stream error or a cut ends the client's stream with
// an error event, never a clean end.
func TestGeminiTargetFailures(t *testing.T) {
	e, g := newGeminiE2E(t)
	e.fault(g, mock.Fault{Status: 503})
	var resp *http.Response
	got, err := e.client.Chat.Completions.New(e.ctx(), chatParams("gem-then-openai", "hello"), option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Choices[0].Message.Content, "[a]") || resp.Header.Get("X-Backstop-Target") != "ta" {
		t.Fatalf("got %q from %q", got.Choices[0].Message.Content, resp.Header.Get("X-Backstop-Target"))
	}
	// A stream cut before its first content chunk fails over unseen.
	e.fault(g, mock.Fault{CutAfterChunks: mock.AfterRoleChunk})
	acc := streamed(t, e.client.Chat.Completions.NewStreaming(e.ctx(), chatParams("gem-then-openai", "hello")))
	if !strings.HasPrefix(acc.Choices[0].Message.Content, "[a]") {
		t.Fatalf("after a cut before content: %q", acc.Choices[0].Message.Content)
	}
	for _, f := range []mock.Fault{{OverloadedAfterChunks: 2}, {CutAfterChunks: 2}} {
		e.fault(g, f)
		resp, raw := e.post("/v1/chat/completions", "application/json", `{"model":"gem","stream":true,"messages":[{"role":"user","content":"x"}]}`, nil)
		if resp.StatusCode != 200 || strings.Contains(string(raw), "[DONE]") || !strings.Contains(string(raw), `"error"`) || !strings.HasPrefix(streamTextUntilError(raw), "[g]") {
			t.Fatalf("%v: status %d, stream:\n%s", f, resp.StatusCode, raw)
		}
		resp, raw = e.post("/v1/messages", "application/json", `{"model":"gem","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"x"}]}`, nil)
		if resp.StatusCode != 200 || strings.Contains(string(raw), "message_stop") || !strings.Contains(string(raw), "event: error") {
			t.Fatalf("%v: anthropic client, status %d, stream:\n%s", f, resp.StatusCode, raw)
		}
	}
	// A refusal that no target can fix is answered in the client's dialect.
	e.fault(g, mock.Fault{Status: 400})
	c := e.anthropicClient()
	_, err = c.Messages.New(e.ctx(), claudeParams("gem", "hello"))
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.RawJSON(), "invalid_request_error") {
		t.Fatalf("400 from Gemini: %v", err)
	}
}

// lastRequest is the last request p recorded.
func lastRequest(p *mock.Provider) mock.Recorded {
	r := p.Stats().Recent
	return r[len(r)-1]
}

// streamTextUntilError is the text of an OpenAI stream's chunks before
// its error event.
func streamTextUntilError(raw []byte) string {
	var out strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok || strings.HasPrefix(data, `{"error"`) {
			continue
		}
		var chunk openai.ChatCompletionChunk
		if chunk.UnmarshalJSON([]byte(data)) == nil && len(chunk.Choices) > 0 {
			out.WriteString(chunk.Choices[0].Delta.Content)
		}
	}
	return out.String()
}
