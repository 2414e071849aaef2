package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/backstophq/backstop/internal/mock"
)

// These tests put Bedrock targets behind a real `backstop serve`: an
// Anthropic model through InvokeModel, another model through Converse,
// and the failover chain across Bedrock regions, Anthropic,
// OpenAI and an OpenAI-compatible server. The clients are the official
// SDKs; the providers are the simulator, which checks the SigV4 scope.

const bedrockTestConfig = `
listen: 127.0.0.1:0
log: {level: info, requests: true}
providers:
  bedrock-east: {type: bedrock, region: us-east-1, base_url: %s, access_key_id: test-access-key, secret_access_key: test-secret-key}
  bedrock-west: {type: bedrock, region: us-west-2, base_url: %s, access_key_id: test-access-key, secret_access_key: test-secret-key, session_token: test-session-token}
  anthropic: {type: anthropic, base_url: %s, api_key: test-key-anthropic}
  openai: {type: openai, base_url: %s, api_key: test-key-openai}
  local: {type: openai, base_url: %s}
targets:
  sonnet-east: {provider: bedrock-east, model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0"}
  sonnet-west: {provider: bedrock-west, model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0"}
  nova: {provider: bedrock-east, model: "amazon.nova-pro-v1:0"}
  sonnet-direct: {provider: anthropic, model: claude-sonnet-4-5}
  gpt: {provider: openai, model: gpt-4.1-mini}
  llama: {provider: local, model: "llama3.1:8b"}
routes:
  claude-bedrock: {targets: [sonnet-east]}
  nova: {targets: [nova]}
  nova-first:
    targets: [nova]
    fallbacks: [sonnet-east, sonnet-west]
    retry: {attempts: 1}
    breaker: {consecutive_failures: 0, error_rate: 0}
  claude-sonnet:
    targets: [sonnet-east]
    fallbacks: [sonnet-west, sonnet-direct, gpt, llama]
    retry: {attempts: 1}
    timeouts: {first_token: 3s, response: 3s, idle: 3s, total: 20s}
    breaker: {consecutive_failures: 0, error_rate: 0}
`

// bedrockE2E is a gateway in front of two simulated Bedrock regions, an
// Anthropic, an OpenAI and an OpenAI-compatible provider.
type bedrockE2E struct {
	*e2e
	east, west, anth, oai, local *mock.Provider
}

func newBedrockE2E(t *testing.T) *bedrockE2E {
	t.Helper()
	sim := mock.New(mock.Options{Seed: 11})
	t.Cleanup(func() { _ = sim.Close() })
	b := &bedrockE2E{e2e: &e2e{t: t, sim: sim}}
	for _, p := range []struct {
		slot **mock.Provider
		name string
		opts []mock.ProviderOption
	}{
		{&b.east, "east", []mock.ProviderOption{mock.WithBedrockRegion("us-east-1")}},
		{&b.west, "west", []mock.ProviderOption{mock.WithBedrockRegion("us-west-2")}},
		{&b.anth, "anth", nil}, {&b.oai, "oai", nil}, {&b.local, "local", nil},
	} {
		prov, err := sim.Start(p.name, "127.0.0.1:0", p.opts...)
		if err != nil {
			t.Fatal(err)
		}
		*p.slot = prov
	}
	b.config = fmt.Sprintf(bedrockTestConfig, b.east.BedrockURL(), b.west.BedrockURL(), b.anth.AnthropicURL(), b.oai.URL(), b.local.URL())
	b.path = filepath.Join(t.TempDir(), "backstop.yaml")
	if err := os.WriteFile(b.path, []byte(b.config), 0o600); err != nil {
		t.Fatal(err)
	}
	b.start(b.path)
	b.client = openai.NewClient(option.WithBaseURL(b.base+"/v1"), option.WithAPIKey("client-key"), option.WithMaxRetries(0))
	return b
}

func openaiWeatherTool() openai.ChatCompletionToolUnionParam {
	return openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
		Name: "get_weather", Description: openai.String("Weather for a city"),
		Parameters: openai.FunctionParameters{
			"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"},
		},
	})
}

func anthropicWeatherTool() anthropic.ToolUnionParam {
	return anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{
		Name: "get_weather", Description: anthropic.String("Weather for a city"),
		InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}, Required: []string{"city"}},
	}}
}

// claudeTurn sends params with the Anthropic SDK, streamed or not, and
// returns the message and the target that served it, with the number of
// attempts it took.
func (b *bedrockE2E) claudeTurn(params anthropic.MessageNewParams, stream bool) (*anthropic.Message, string) {
	b.t.Helper()
	c := b.anthropicClient()
	var resp *http.Response
	if !stream {
		m, err := c.Messages.New(b.ctx(), params, aoption.WithResponseInto(&resp))
		if err != nil {
			b.t.Fatal(err)
		}
		return m, resp.Header.Get("X-Backstop-Target") + "#" + resp.Header.Get("X-Backstop-Attempts")
	}
	s := c.Messages.NewStreaming(b.ctx(), params, aoption.WithResponseInto(&resp))
	var acc anthropic.Message
	for s.Next() {
		if err := acc.Accumulate(s.Current()); err != nil {
			b.t.Fatal(err)
		}
	}
	if err := s.Err(); err != nil {
		b.t.Fatal(err)
	}
	return &acc, resp.Header.Get("X-Backstop-Target") + "#" + resp.Header.Get("X-Backstop-Attempts")
}

// claudeToolRoundTrip asks for the weather, checks the tool call, sends
// its result back and checks the answer reads it. It returns the targets
// that served both turns, each as "target#attempts".
func (b *bedrockE2E) claudeToolRoundTrip(route string, stream bool) (first, second string) {
	t := b.t
	t.Helper()
	params := claudeParams(route, "What's the weather in Paris?")
	params.Tools = []anthropic.ToolUnionParam{anthropicWeatherTool()}
	m, first := b.claudeTurn(params, stream)
	if m.StopReason != anthropic.StopReasonToolUse || len(m.Content) != 1 || m.Content[0].Type != "tool_use" {
		t.Fatalf("%s (stream %v) from %s: want one tool_use block, got %+v stop %q", route, stream, first, m.Content, m.StopReason)
	}
	call := m.Content[0].AsToolUse()
	var args map[string]any
	if call.Name != "get_weather" || call.ID == "" || json.Unmarshal(call.Input, &args) != nil || args["city"] == nil {
		t.Fatalf("tool call %+v from %s", call, first)
	}
	params.Messages = append(params.Messages, m.ToParam(),
		anthropic.NewUserMessage(anthropic.NewToolResultBlock(call.ID, "sunny and 21 degrees", false)))
	final, second := b.claudeTurn(params, stream)
	if final.StopReason != anthropic.StopReasonEndTurn || !strings.Contains(messageText(final), "get_weather returned: sunny and 21 degrees") {
		t.Fatalf("after the tool result, from %s: %q stop %q", second, messageText(final), final.StopReason)
	}
	return first, second
}

// TestBedrockInvokeTarget: both SDKs on a route whose target is an
// Anthropic model on Bedrock, served through InvokeModel, signed for the
// provider's region.
func TestBedrockInvokeTarget(t *testing.T) {
	b := newBedrockE2E(t)
	for _, stream := range []bool{false, true} {
		m, target := b.claudeTurn(claudeParams("claude-bedrock", "hello"), stream)
		if target != "sonnet-east#1" || !strings.HasPrefix(messageText(m), "[east]") || m.StopReason != anthropic.StopReasonEndTurn || m.Usage.OutputTokens == 0 {
			t.Fatalf("stream %v: %q stop %q from %s", stream, messageText(m), m.StopReason, target)
		}
	}
	// A stream's status is recorded when its handler returns, which can
	// be just after the client read the last event.
	if err := b.east.WaitIdle(b.ctx()); err != nil {
		t.Fatal(err)
	}
	recs := b.east.Stats().Recent
	for i, op := range []string{"invoke", "invoke-with-response-stream"} {
		rec := recs[i]
		if rec.Path != "/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/"+op || rec.Status != 200 {
			t.Fatalf("request %d: %s %d", i, rec.Path, rec.Status)
		}
		auth := rec.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=test-access-key/") || !strings.Contains(auth, "/us-east-1/bedrock/aws4_request") ||
			rec.Header.Get("X-Api-Key") != "" || rec.Header.Get("Anthropic-Version") != "" {
			t.Fatalf("request %d headers %v", i, rec.Header)
		}
		var body map[string]any
		if err := json.Unmarshal(rec.Body, &body); err != nil || body["anthropic_version"] != "bedrock-2023-05-31" || body["model"] != nil || body["stream"] != nil {
			t.Fatalf("request %d body %s", i, rec.Body)
		}
	}

	// The client's anthropic-beta goes in the body, where Bedrock takes it.
	ac := b.anthropicClient()
	if _, err := ac.Messages.New(b.ctx(), claudeParams("claude-bedrock", "hello"), aoption.WithHeader("anthropic-beta", "test-beta-2025-01-01")); err != nil {
		t.Fatal(err)
	}
	recs = b.east.Stats().Recent
	if rec := recs[len(recs)-1]; !strings.Contains(string(rec.Body), `"anthropic_beta":["test-beta-2025-01-01"]`) || rec.Header.Get("Anthropic-Beta") != "" {
		t.Fatalf("beta: body %s header %q", rec.Body, rec.Header.Get("Anthropic-Beta"))
	}

	// The OpenAI SDK on the same target, translated to Messages.
	got, err := b.client.Chat.Completions.New(b.ctx(), chatParams("claude-bedrock", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Choices[0].Message.Content, "[east]") || got.Choices[0].FinishReason != "stop" || got.Usage.CompletionTokens == 0 {
		t.Fatalf("openai client: %+v", got.Choices[0])
	}
	params := chatParams("claude-bedrock", "What's the weather in Paris?")
	params.Tools = []openai.ChatCompletionToolUnionParam{openaiWeatherTool()}
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	acc := streamed(t, b.client.Chat.Completions.NewStreaming(b.ctx(), params))
	calls := acc.Choices[0].Message.ToolCalls
	if len(calls) != 1 || calls[0].Function.Name != "get_weather" || acc.Choices[0].FinishReason != "tool_calls" {
		t.Fatalf("tool calls %+v finish %q", calls, acc.Choices[0].FinishReason)
	}
	params.Messages = append(params.Messages, acc.Choices[0].Message.ToParam(), openai.ToolMessage("sunny and 21 degrees", calls[0].ID))
	acc = streamed(t, b.client.Chat.Completions.NewStreaming(b.ctx(), params))
	if text := acc.Choices[0].Message.Content; !strings.Contains(text, "get_weather returned: sunny and 21 degrees") || acc.Usage.CompletionTokens == 0 {
		t.Fatalf("after the tool: %q usage %+v", text, acc.Usage)
	}
	if first, second := b.claudeToolRoundTrip("claude-bedrock", true); first != "sonnet-east#1" || second != "sonnet-east#1" {
		t.Fatalf("anthropic tool round trip served by %s, %s", first, second)
	}
}

// TestBedrockConverseTarget: both SDKs on a route whose target is a
// non-Anthropic model on Bedrock, served through Converse.
func TestBedrockConverseTarget(t *testing.T) {
	b := newBedrockE2E(t)
	var resp *http.Response
	got, err := b.client.Chat.Completions.New(b.ctx(), chatParams("nova", "hello"), option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	text := got.Choices[0].Message.Content
	if !strings.HasPrefix(text, "[east]") || got.Choices[0].FinishReason != "stop" || got.Usage.CompletionTokens == 0 || resp.Header.Get("X-Backstop-Target") != "nova" {
		t.Fatalf("openai client: %+v usage %+v", got.Choices[0], got.Usage)
	}
	params := chatParams("nova", "hello")
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	acc := streamed(t, b.client.Chat.Completions.NewStreaming(b.ctx(), params))
	if acc.Choices[0].Message.Content != text || acc.Choices[0].FinishReason != "stop" || acc.Usage.CompletionTokens == 0 {
		t.Fatalf("streamed %q finish %q usage %+v, want %q", acc.Choices[0].Message.Content, acc.Choices[0].FinishReason, acc.Usage, text)
	}
	recs := b.east.Stats().Recent
	if recs[0].Path != "/model/amazon.nova-pro-v1:0/converse" || recs[1].Path != "/model/amazon.nova-pro-v1:0/converse-stream" ||
		!strings.Contains(recs[0].Header.Get("Authorization"), "/us-east-1/bedrock/aws4_request") {
		t.Fatalf("provider saw %s, %s", recs[0].Path, recs[1].Path)
	}

	// A tool call round trip, with the OpenAI SDK then with Anthropic's.
	params = chatParams("nova", "What's the weather in Paris?")
	params.Tools = []openai.ChatCompletionToolUnionParam{openaiWeatherTool()}
	call, err := b.client.Chat.Completions.New(b.ctx(), params)
	if err != nil {
		t.Fatal(err)
	}
	calls := call.Choices[0].Message.ToolCalls
	if len(calls) != 1 || calls[0].Function.Name != "get_weather" || call.Choices[0].FinishReason != "tool_calls" {
		t.Fatalf("tool calls %+v finish %q", calls, call.Choices[0].FinishReason)
	}
	params.Messages = append(params.Messages, call.Choices[0].Message.ToParam(), openai.ToolMessage("sunny and 21 degrees", calls[0].ID))
	acc = streamed(t, b.client.Chat.Completions.NewStreaming(b.ctx(), params))
	if text := acc.Choices[0].Message.Content; !strings.Contains(text, "get_weather returned: sunny and 21 degrees") {
		t.Fatalf("after the tool: %q", text)
	}
	for _, stream := range []bool{false, true} {
		if first, second := b.claudeToolRoundTrip("nova", stream); first != "nova#1" || second != "nova#1" {
			t.Fatalf("anthropic tool round trip served by %s, %s", first, second)
		}
	}
}

// TestBedrockFailoverChain is the chain: Bedrock us-east-1 →
// Bedrock us-west-2 → Anthropic → OpenAI → an OpenAI-compatible server,
// with each hop failing in its own way in turn. An Anthropic SDK client,
// streamed or not, gets a correct tool call and a correct answer to its
// result from the first hop alive, and never sees the failures.
func TestBedrockFailoverChain(t *testing.T) {
	b := newBedrockE2E(t)
	hops := []struct {
		p      *mock.Provider
		target string
		fault  mock.Fault
	}{
		{b.east, "sonnet-east", mock.Fault{Status: 503}},
		// A throttlingException inside the event stream before any content
		// (a 429 ThrottlingException when not streamed).
		{b.west, "sonnet-west", mock.Fault{OverloadedAfterChunks: mock.AfterRoleChunk, Exception: "ThrottlingException"}},
		// overloaded_error after message_start (529 when not streamed).
		{b.anth, "sonnet-direct", mock.Fault{OverloadedAfterChunks: mock.AfterRoleChunk}},
		{b.oai, "gpt", mock.Fault{Down: true}},
		{b.local, "llama", mock.Fault{}},
	}
	for alive := range hops {
		for i, h := range hops {
			f := h.fault
			if i >= alive {
				f = mock.Fault{}
			}
			b.fault(h.p, f)
		}
		for _, stream := range []bool{false, true} {
			first, second := b.claudeToolRoundTrip("claude-sonnet", stream)
			want := hops[alive].target + "#" + strconv.Itoa(alive+1) // every hop before it was tried once
			if first != want || second != want {
				t.Fatalf("with hops 0-%d failing (stream %v): served by %s and %s, want %s", alive-1, stream, first, second, want)
			}
		}
	}
	// Every failed hop was tried: the chain really was walked.
	for _, h := range hops[:len(hops)-1] {
		if h.p == b.oai {
			continue // down: it never saw a request
		}
		if n := h.p.Stats().ByStatus; len(n) == 0 {
			t.Errorf("%s saw no request", h.target)
		}
	}
}

// TestBrokenBedrockStreamsFailOver: an event stream that is cut, or that
// carries an event which is not JSON, before any content, is a failed
// attempt like any other: both the Converse and the Invoke target of the
// broken region are left for the other region, invisibly.
func TestBrokenBedrockStreamsFailOver(t *testing.T) {
	b := newBedrockE2E(t)
	for _, f := range []mock.Fault{{CutAfterChunks: mock.AfterRoleChunk}, {Malformed: true}} {
		b.fault(b.east, f)
		var resp *http.Response
		acc := streamed(t, b.client.Chat.Completions.NewStreaming(b.ctx(), chatParams("nova-first", "hello"), option.WithResponseInto(&resp)))
		text := acc.Choices[0].Message.Content
		got := resp.Header.Get("X-Backstop-Target") + "#" + resp.Header.Get("X-Backstop-Attempts")
		if got != "sonnet-west#3" || !strings.HasPrefix(text, "[west]") || acc.Choices[0].FinishReason != "stop" {
			t.Fatalf("%v: %q from %s", f, text, got)
		}
	}
	// Cut after content was relayed: the client is committed to nova, and
	// the break is reported as an error, never as a clean end.
	b.fault(b.east, mock.Fault{CutAfterChunks: 2})
	stream := b.client.Chat.Completions.NewStreaming(b.ctx(), chatParams("nova-first", "hello"))
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err == nil || !strings.Contains(err.Error(), "stream_interrupted") || !strings.HasPrefix(acc.Choices[0].Message.Content, "[east]") {
		t.Fatalf("cut after commit: %q, %v", acc.Choices[0].Message.Content, err)
	}
}
