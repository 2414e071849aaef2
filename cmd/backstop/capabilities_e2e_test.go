package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/backstophq/backstop/internal/mock"
)

// imageParams asks route about a picture: a text part, then an image part
// (messages[0].content[1]).
func imageParams(route string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model: route,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{
			openai.TextContentPart("What is in this picture?"),
			openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: "data:image/png;base64,iVBORw0KGgo="}),
		})},
	}
}

// TestImageSkipsATextOnlyTarget: route "vision" lists a text-only target
// first; an image request skips it (says so in x-backstop-skipped, counts
// nothing against it) and is served by the next target.
func TestImageSkipsATextOnlyTarget(t *testing.T) {
	e := newE2E(t)
	var resp *http.Response
	got, err := e.client.Chat.Completions.New(e.ctx(), imageParams("vision"), option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Choices[0].Message.Content, "[a]") || resp.Header.Get("X-Backstop-Target") != "ta" ||
		resp.Header.Get("X-Backstop-Skipped") != "text-only=images" || resp.Header.Get("X-Backstop-Attempts") != "1" {
		t.Fatalf("answer %q from %q, skipped %q, attempts %q", got.Choices[0].Message.Content,
			resp.Header.Get("X-Backstop-Target"), resp.Header.Get("X-Backstop-Skipped"), resp.Header.Get("X-Backstop-Attempts"))
	}
	if n := e.b.Stats().Requests; n != 0 {
		t.Fatalf("the text-only target's provider saw %d requests", n)
	}
	if v := e.metric("backstop_attempts_total", `target="text-only"`); v != 0 {
		t.Fatalf("a skip counted as %v attempts", v)
	}
	// A text request still goes to the text-only target first.
	_, err = e.client.Chat.Completions.New(e.ctx(), chatParams("vision", "hello"), option.WithResponseInto(&resp))
	if err != nil || resp.Header.Get("X-Backstop-Target") != "text-only" || resp.Header.Get("X-Backstop-Skipped") != "" {
		t.Fatalf("text request: %v, target %q skipped %q", err, resp.Header.Get("X-Backstop-Target"), resp.Header.Get("X-Backstop-Skipped"))
	}
	if v := e.metric("backstop_attempts_total", `target="text-only"`, `result="ok"`); v != 1 {
		t.Fatalf("attempts on text-only: %v, want the text request's 1", v)
	}
	// The request log shows the skip (logs are written in batches).
	waitFor(t, func() bool {
		return strings.Contains(e.stderr.String(), `{"target":"text-only","result":"images","ms":`)
	})
}

// TestNoTargetCanServeIsA400 sends what route "text-only" cannot serve,
// with each SDK: a 400 in the client's dialect naming the field.
func TestNoTargetCanServeIsA400(t *testing.T) {
	e := newE2E(t)
	_, err := e.client.Chat.Completions.New(e.ctx(), imageParams("text-only"))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "messages[0].content[1]" ||
		!strings.Contains(apiErr.Message, "No target of route `text-only`") || !strings.Contains(apiErr.Message, "images") {
		t.Fatalf("image: %v", err)
	}
	params := chatParams("text-only", "weather?")
	params.Tools = []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{Name: "get_weather"})}
	_, err = e.client.Chat.Completions.New(e.ctx(), params)
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "tools" {
		t.Fatalf("tools: %v", err)
	}
	c := e.anthropicClient()
	ap := claudeParams("text-only", "")
	ap.Messages = []anthropic.MessageParam{anthropic.NewUserMessage(
		anthropic.NewTextBlock("What is in this picture?"),
		anthropic.NewImageBlockBase64("image/png", "iVBORw0KGgo="),
	)}
	_, err = c.Messages.New(e.ctx(), ap)
	var aerr *anthropic.Error
	if !errors.As(err, &aerr) || aerr.StatusCode != 400 || !strings.Contains(aerr.RawJSON(), "invalid_request_error") ||
		!strings.Contains(aerr.RawJSON(), "messages[0].content[1]") {
		t.Fatalf("anthropic image: %v", err)
	}
	if n := e.b.Stats().Requests; n != 0 {
		t.Fatalf("the provider saw %d requests", n)
	}
}

// TestOversizedPromptGoesToContextFallback: route "long"'s only target has
// a 2000-token window; a prompt estimated over it goes to the route's
// context_fallback without trying the small target.
func TestOversizedPromptGoesToContextFallback(t *testing.T) {
	e := newE2E(t)
	var resp *http.Response
	got, err := e.client.Chat.Completions.New(e.ctx(), chatParams("long", strings.Repeat("A long document. ", 600)), option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Choices[0].Message.Content, "[c]") || resp.Header.Get("X-Backstop-Skipped") != "small=context_window" {
		t.Fatalf("answer %q, skipped %q", got.Choices[0].Message.Content, resp.Header.Get("X-Backstop-Skipped"))
	}
	if n := e.a.Stats().Requests; n != 0 {
		t.Fatalf("the small target saw %d requests", n)
	}
	// A short prompt stays on the small target, and its max_tokens is
	// clamped to the target's max_output_tokens.
	params := chatParams("long", "hello")
	params.MaxTokens = openai.Int(100000)
	if _, err := e.client.Chat.Completions.New(e.ctx(), params, option.WithResponseInto(&resp)); err != nil || resp.Header.Get("X-Backstop-Target") != "small" {
		t.Fatalf("short prompt: %v from %q", err, resp.Header.Get("X-Backstop-Target"))
	}
	if body := string(e.a.Stats().Recent[0].Body); !strings.Contains(body, `"max_tokens":500`) {
		t.Fatalf("max_tokens not clamped: %s", body)
	}
	// The fallback refuses it as too long as well: with nowhere left to
	// go, the client gets the 400.
	e.fault(e.c, mock.Fault{Status: 400, Body: `{"error":{"message":"This model's maximum context length is 4096 tokens. However, you requested 6000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`})
	_, err = e.client.Chat.Completions.New(e.ctx(), chatParams("long", strings.Repeat("A long document. ", 600)))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code != "context_length_exceeded" {
		t.Fatalf("too long everywhere: %v", err)
	}
}

// TestContextLengthErrorGoesToContextFallback: the provider itself refuses
// the prompt as too long (OpenAI's context_length_exceeded, then
// Anthropic's "prompt is too long"); the request goes to the route's
// context_fallback at once, past the ordinary fallback, and the refusal
// counts nothing against the target.
func TestContextLengthErrorGoesToContextFallback(t *testing.T) {
	e := newE2E(t)
	for _, body := range []string{
		`{"error":{"message":"This model's maximum context length is 8192 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`,
		`{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}`,
	} {
		e.fault(e.a, mock.Fault{Status: 400, Body: body})
		var resp *http.Response
		got, err := e.client.Chat.Completions.New(e.ctx(), chatParams("long-by-error", "hello"), option.WithResponseInto(&resp))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got.Choices[0].Message.Content, "[c]") || resp.Header.Get("X-Backstop-Attempts") != "2" {
			t.Fatalf("answer %q after %s attempts", got.Choices[0].Message.Content, resp.Header.Get("X-Backstop-Attempts"))
		}
	}
	if n := e.b.Stats().Requests; n != 0 {
		t.Fatalf("the ordinary fallback saw %d requests", n)
	}
	if v := e.metric("backstop_fallbacks_total", `route="long-by-error"`, `to="tc"`, `reason="context_length"`); v != 2 {
		t.Fatalf("context fallbacks counted %v, want 2", v)
	}
	if v := e.metric("backstop_attempts_total", `route="long-by-error"`, `target="ta"`, `result="context_length"`); v != 2 {
		t.Fatalf("context_length attempts on ta: %v, want 2", v)
	}
	// Too long is the prompt's fault, not the provider's.
	if v, found := e.sample("backstop_target_consecutive_failures", `target="ta"`); !found || v != 0 {
		t.Fatalf("ta's consecutive failures: %v (found %v), want 0", v, found)
	}
	// Without a context fallback the refusal is the client's 400.
	e.fault(e.a, mock.Fault{Status: 400, Body: `{"error":{"message":"This model's maximum context length is 8192 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`})
	_, err := e.client.Chat.Completions.New(e.ctx(), chatParams("polite", "hello"))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code != "context_length_exceeded" {
		t.Fatalf("no context fallback: %v", err)
	}
}

// TestMaxOutputTokensClampsEveryPath: pass-through OpenAI, pass-through
// Anthropic, and translated (the Anthropic default max_tokens under the
// cap).
func TestMaxOutputTokensClampsEveryPath(t *testing.T) {
	e := newE2E(t)
	params := chatParams("capped", "hello")
	params.MaxCompletionTokens = openai.Int(1000)
	if _, err := e.client.Chat.Completions.New(e.ctx(), params); err != nil {
		t.Fatal(err)
	}
	c := e.anthropicClient()
	if _, err := c.Messages.New(e.ctx(), claudeParams("claude-capped", "hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Chat.Completions.New(e.ctx(), chatParams("claude-capped", "hello")); err != nil {
		t.Fatal(err)
	}
	maxOf := func(p *mock.Provider, i int) map[string]any {
		var v map[string]any
		_ = json.Unmarshal(p.Stats().Recent[i].Body, &v)
		return v
	}
	if v := maxOf(e.c, 0); v["max_completion_tokens"] != 5.0 {
		t.Fatalf("openai pass-through sent %v", v["max_completion_tokens"])
	}
	for i := range 2 {
		if v := maxOf(e.d, i); v["max_tokens"] != 7.0 {
			t.Fatalf("anthropic request %d sent max_tokens %v", i, v["max_tokens"])
		}
	}
}
