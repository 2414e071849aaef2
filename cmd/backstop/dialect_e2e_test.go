package main

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/backstophq/backstop/internal/mock"
)

// These tests cross dialects: the official Anthropic SDK and the official
// OpenAI SDK each against routes whose targets speak the other dialect,
// or both, through a real `backstop serve`.

func (e *e2e) anthropicClient() anthropic.Client {
	return anthropic.NewClient(aoption.WithBaseURL(e.base), aoption.WithAPIKey("client-key"), aoption.WithMaxRetries(0))
}

func claudeParams(route, prompt string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     anthropic.Model(route),
		MaxTokens: 256,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(prompt))},
	}
}

func messageText(m *anthropic.Message) string {
	var b strings.Builder
	for _, block := range m.Content {
		b.WriteString(block.Text)
	}
	return b.String()
}

func TestAnthropicClientPassThrough(t *testing.T) {
	e := newE2E(t)
	c := e.anthropicClient()
	var resp *http.Response
	msg, err := c.Messages.New(e.ctx(), claudeParams("claude", "hello"), aoption.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(messageText(msg), "[d]") || msg.StopReason != "end_turn" || msg.Usage.OutputTokens == 0 {
		t.Fatalf("message %+v", msg)
	}
	if resp.Header.Get("X-Backstop-Target") != "td" {
		t.Fatalf("target %q", resp.Header.Get("X-Backstop-Target"))
	}
	rec := e.d.Stats().Recent[0]
	if rec.Path != "/v1/messages" || rec.Header.Get("X-Api-Key") != "test-key-d" || rec.Header.Get("Anthropic-Version") == "" || rec.Model != "claude-d" {
		t.Fatalf("provider saw %s key %q version %q model %q", rec.Path, rec.Header.Get("X-Api-Key"), rec.Header.Get("Anthropic-Version"), rec.Model)
	}
	// Streamed, accumulated by the SDK: the same text.
	stream := c.Messages.NewStreaming(e.ctx(), claudeParams("claude", "hello"))
	var acc anthropic.Message
	for stream.Next() {
		if err := acc.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if messageText(&acc) != messageText(msg) {
		t.Fatalf("streamed %q, non-streamed %q", messageText(&acc), messageText(msg))
	}
}

func TestOpenAIClientOnAnAnthropicTarget(t *testing.T) {
	e := newE2E(t)
	got, err := e.client.Chat.Completions.New(e.ctx(), chatParams("to-claude", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Choices[0].Message.Content, "[d]") || got.Choices[0].FinishReason != "stop" || got.Usage.CompletionTokens == 0 {
		t.Fatalf("answer %+v usage %+v", got.Choices[0], got.Usage)
	}
	if rec := e.d.Stats().Recent[0]; rec.Path != "/v1/messages" || rec.Model != "claude-d" {
		t.Fatalf("provider saw %s model %q", rec.Path, rec.Model)
	}
	params := chatParams("to-claude", "hello")
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	acc := streamed(t, e.client.Chat.Completions.NewStreaming(e.ctx(), params))
	if acc.Choices[0].Message.Content != got.Choices[0].Message.Content || acc.Usage.CompletionTokens == 0 {
		t.Fatalf("streamed %q (usage %+v), non-streamed %q", acc.Choices[0].Message.Content, acc.Usage, got.Choices[0].Message.Content)
	}
	// n > 1 cannot go to Anthropic, and the route has nothing else: a 400
	// that names the field.
	params = chatParams("to-claude", "hello")
	params.N = openai.Int(2)
	_, err = e.client.Chat.Completions.New(e.ctx(), params)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "n" {
		t.Fatalf("n=2: %v", err)
	}
}

// TestCrossDialectFailover sends each SDK to a route whose first target
// is down and whose second speaks the other dialect: the answer comes,
// in the client's own dialect, from the second.
func TestCrossDialectFailover(t *testing.T) {
	e := newE2E(t)
	e.fault(e.d, mock.Fault{Status: 529})
	c := e.anthropicClient()
	stream := c.Messages.NewStreaming(e.ctx(), claudeParams("claude-then-openai", "hello"))
	var acc anthropic.Message
	for stream.Next() {
		if err := acc.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(messageText(&acc), "[a]") || acc.StopReason != "end_turn" {
		t.Fatalf("anthropic client got %q stop %q", messageText(&acc), acc.StopReason)
	}

	e.fault(e.a, mock.Fault{Down: true})
	e.fault(e.d, mock.Fault{})
	var resp *http.Response
	got, err := e.client.Chat.Completions.New(e.ctx(), chatParams("openai-then-claude", "hello"), option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Choices[0].Message.Content, "[d]") || resp.Header.Get("X-Backstop-Target") != "td" {
		t.Fatalf("openai client got %q from %q", got.Choices[0].Message.Content, resp.Header.Get("X-Backstop-Target"))
	}
}

func TestAnthropicClientErrorsAreAnthropicShaped(t *testing.T) {
	e := newE2E(t)
	e.fault(e.d, mock.Fault{Status: 529})
	c := e.anthropicClient()
	_, err := c.Messages.New(e.ctx(), claudeParams("claude", "hello"))
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || !strings.Contains(apiErr.RawJSON(), `"type":"error"`) {
		t.Fatalf("err = %v", err)
	}
	if apiErr.Response.Header.Get("X-Should-Retry") != "false" {
		t.Fatal("no x-should-retry: false")
	}
	_, err = c.Messages.New(e.ctx(), claudeParams("no-such-route", "hello"))
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || !strings.Contains(apiErr.RawJSON(), "not_found_error") {
		t.Fatalf("unknown route: %v", err)
	}
	resp, body := e.post("/v1/messages", "application/json", `{"model":"claude","messages":[{"role":"user","content":"hi"}]}`, nil)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "max_tokens") || !strings.Contains(string(body), "invalid_request_error") {
		t.Fatalf("missing max_tokens: %d %s", resp.StatusCode, body)
	}
	resp, body = e.post("/v1/messages/count_tokens", "application/json", `{"model":"claude","messages":[{"role":"user","content":"a sentence of some forty characters...."}]}`, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"input_tokens":`) {
		t.Fatalf("count_tokens: %d %s", resp.StatusCode, body)
	}
}
