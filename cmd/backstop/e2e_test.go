package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/backstophq/backstop/internal/mock"
)

// These tests run a real `backstop serve` in front of simulated providers
// and talk to it with the official openai-go SDK.

func TestHealthyCallServedByFirstTarget(t *testing.T) {
	e := newE2E(t)
	var resp *http.Response
	got, err := e.client.Chat.Completions.New(e.ctx(), chatParams("main", "hello"), option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Choices[0].Message.Content, "[a]") || got.Choices[0].FinishReason != "stop" {
		t.Fatalf("answer = %+v", got.Choices[0])
	}
	if got.Usage.CompletionTokens == 0 {
		t.Fatalf("usage missing: %+v", got.Usage)
	}
	for h, want := range map[string]string{"X-Backstop-Route": "main", "X-Backstop-Target": "ta", "X-Backstop-Attempts": "1", "X-Backstop-Fallback": "false"} {
		if v := resp.Header.Get(h); v != want {
			t.Errorf("%s = %q, want %q", h, v, want)
		}
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id in the response")
	}
	// The provider got the target's model and its own key, never the
	// client's.
	rec := e.a.Stats().Recent[0]
	if rec.Model != "model-a" || rec.Header.Get("Authorization") != "Bearer test-key-a" {
		t.Fatalf("provider saw model %q, auth %q", rec.Model, rec.Header.Get("Authorization"))
	}
	if n := e.metric("backstop_requests_total", `route="main"`, `target="ta"`, `outcome="ok"`); n != 1 {
		t.Fatalf("requests_total ok = %v, want 1", n)
	}
}

func TestPassThroughKeepsTheBodyByteForByte(t *testing.T) {
	e := newE2E(t)
	body := `{"model":"main","messages":[{"role":"user","content":"hi"}],"temperature":0.25,"x_vendor_field":{"keep":[1,2,3]}}`
	resp, _ := e.post("/v1/chat/completions", "application/json", body, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := strings.Replace(body, `"main"`, `"model-a"`, 1)
	if got := string(e.a.Stats().Recent[0].Body); got != want {
		t.Fatalf("provider got\n%s\nwant\n%s", got, want)
	}
}

func TestStreamRelaysEveryChunkAndOneDone(t *testing.T) {
	e := newE2E(t)
	params := chatParams("main", "stream please")
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	acc := streamed(t, e.client.Chat.Completions.NewStreaming(e.ctx(), params))
	direct, err := e.directClient(e.a).Chat.Completions.New(e.ctx(), chatParams("model-a", "stream please"))
	if err != nil {
		t.Fatal(err)
	}
	if acc.Choices[0].Message.Content != direct.Choices[0].Message.Content {
		t.Fatalf("streamed %q, direct %q", acc.Choices[0].Message.Content, direct.Choices[0].Message.Content)
	}
	if acc.Usage.CompletionTokens == 0 {
		t.Fatal("usage chunk missing")
	}
	// Raw bytes: exactly one [DONE], at the end.
	resp, raw := e.post("/v1/chat/completions", "application/json", `{"model":"main","stream":true,"messages":[{"role":"user","content":"x"}]}`, nil)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q", ct)
	}
	if strings.Count(string(raw), "data: [DONE]") != 1 || !strings.HasSuffix(string(raw), "data: [DONE]\n\n") {
		t.Fatalf("stream does not end with one [DONE]:\n%s", raw)
	}
}

func (e *e2e) directClient(p *mock.Provider) *openai.Client {
	c := openai.NewClient(option.WithBaseURL(p.URL()), option.WithAPIKey("test-key-a"), option.WithMaxRetries(0))
	return &c
}

func TestFailover(t *testing.T) {
	tests := []struct {
		name   string
		fault  mock.Fault
		stream bool
		// aRequests is how many requests a gets before b answers, and
		// attempts how many attempts the gateway reports.
		aRequests int64
		attempts  string
	}{
		{"503 moves on at once", mock.Fault{Status: 503}, false, 1, "2"},
		{"500 with an HTML body", mock.Fault{Status: 502, Body: "<html>bad gateway</html>"}, false, 1, "2"},
		{"529 overloaded", mock.Fault{Status: 529}, true, 1, "2"},
		{"429 with a short retry-after-ms retries a once, then moves", mock.Fault{Status: 429, RetryAfterMs: mock.Duration(30e6)}, false, 2, "3"},
		{"429 with a Retry-After over max_wait moves on at once", mock.Fault{Status: 429, RetryAfter: mock.Duration(30e9)}, false, 1, "2"},
		{"refused connection", mock.Fault{Down: true}, false, 0, "2"},
		{"connection reset", mock.Fault{Reset: true}, true, 1, "2"},
		{"hang before headers hits the first-token timeout", mock.Fault{HangBeforeHeaders: true}, true, 1, "2"},
		{"hang before headers, non-streamed, hits the response timeout", mock.Fault{HangBeforeHeaders: true}, false, 1, "2"},
		{"stream cut before the first content chunk", mock.Fault{CutAfterChunks: mock.AfterRoleChunk}, true, 1, "2"},
		{"stream hang before the first content chunk", mock.Fault{HangAfterChunks: mock.AfterRoleChunk}, true, 1, "2"},
		{"malformed JSON answer", mock.Fault{Malformed: true}, false, 1, "2"},
		{"malformed stream event", mock.Fault{Malformed: true}, true, 1, "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newE2E(t)
			e.fault(e.a, tt.fault)
			var resp *http.Response
			var text string
			if tt.stream {
				acc := streamed(t, e.client.Chat.Completions.NewStreaming(e.ctx(), chatParams("main", "hi"), option.WithResponseInto(&resp)))
				text = acc.Choices[0].Message.Content
			} else {
				got, err := e.client.Chat.Completions.New(e.ctx(), chatParams("main", "hi"), option.WithResponseInto(&resp))
				if err != nil {
					t.Fatal(err)
				}
				text = got.Choices[0].Message.Content
			}
			if !strings.HasPrefix(text, "[b]") || strings.Contains(text, "[a]") {
				t.Fatalf("answer %q should be b's alone", text)
			}
			if resp.Header.Get("X-Backstop-Target") != "tb" || resp.Header.Get("X-Backstop-Fallback") != "true" {
				t.Fatalf("headers: target %q fallback %q", resp.Header.Get("X-Backstop-Target"), resp.Header.Get("X-Backstop-Fallback"))
			}
			if got := e.a.Stats().Requests; got != tt.aRequests {
				t.Errorf("a received %d requests, want %d", got, tt.aRequests)
			}
			if got := resp.Header.Get("X-Backstop-Attempts"); got != tt.attempts {
				t.Errorf("attempts = %s, want %s", got, tt.attempts)
			}
			if n := e.metric("backstop_fallbacks_total", `from="ta"`, `to="tb"`); n != 1 {
				t.Errorf("fallbacks ta→tb = %v, want 1", n)
			}
		})
	}
}

func TestStreamCutAfterCommitIsAnErrorNotACleanEnd(t *testing.T) {
	e := newE2E(t)
	e.fault(e.a, mock.Fault{CutAfterChunks: 3})
	stream := e.client.Chat.Completions.NewStreaming(e.ctx(), chatParams("main", "hi"))
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	err := stream.Err()
	if err == nil {
		t.Fatal("the SDK saw a clean end of a cut stream")
	}
	if !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("error %q does not say the stream was interrupted", err)
	}
	if got := acc.Choices[0].Message.Content; !strings.HasPrefix(got, "[a]") {
		t.Errorf("partial answer %q should be a's", got)
	}
	if e.b.Stats().Requests != 0 {
		t.Error("a committed stream failed over")
	}
	// Raw: an error event and no [DONE].
	e.fault(e.a, mock.Fault{CutAfterChunks: 3})
	_, raw := e.post("/v1/chat/completions", "application/json", `{"model":"main","stream":true,"messages":[{"role":"user","content":"x"}]}`, nil)
	if strings.Contains(string(raw), "[DONE]") || !strings.Contains(string(raw), `data: {"error":`) {
		t.Fatalf("raw stream:\n%s", raw)
	}
	if n := e.metric("backstop_requests_total", `outcome="stream_failed"`); n != 2 {
		t.Errorf("stream_failed requests = %v, want 2", n)
	}
}

func TestExhaustedWithMessage(t *testing.T) {
	e := newE2E(t)
	e.fault(e.a, mock.Fault{Status: 503})
	var resp *http.Response
	got, err := e.client.Chat.Completions.New(e.ctx(), chatParams("polite", "hi"), option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if got.Choices[0].Message.Content != "The assistant is busy right now. Please try again in a minute." {
		t.Fatalf("content %q", got.Choices[0].Message.Content)
	}
	if resp.Header.Get("X-Backstop-Exhausted") != "true" {
		t.Error("no X-Backstop-Exhausted")
	}
	acc := streamed(t, e.client.Chat.Completions.NewStreaming(e.ctx(), chatParams("polite", "hi")))
	if acc.Choices[0].Message.Content != "The assistant is busy right now. Please try again in a minute." || acc.Choices[0].FinishReason != "stop" {
		t.Fatalf("streamed %+v", acc.Choices[0])
	}
}

func TestExhaustedWithError(t *testing.T) {
	e := newE2E(t)
	e.fault(e.a, mock.Fault{Status: 503, Body: `{"error":{"message":"secret internal detail from provider a"}}`})
	e.fault(e.b, mock.Fault{Down: true})
	var resp *http.Response
	_, err := e.client.Chat.Completions.New(e.ctx(), chatParams("strict", "hi"), option.WithResponseInto(&resp))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want *openai.Error", err)
	}
	if apiErr.StatusCode != 503 || apiErr.Code != "backstop_exhausted" || apiErr.Type != "server_error" {
		t.Fatalf("error %d %q %q", apiErr.StatusCode, apiErr.Code, apiErr.Type)
	}
	if strings.Contains(apiErr.Message, "secret internal detail") || strings.Contains(apiErr.RawJSON(), "secret") {
		t.Fatalf("a raw upstream body reached the client: %s", apiErr.RawJSON())
	}
	h := apiErr.Response.Header
	if h.Get("Retry-After") != "7" || h.Get("X-Should-Retry") != "false" || h.Get("Retry-After-Ms") != "7000" {
		t.Fatalf("headers Retry-After %q X-Should-Retry %q", h.Get("Retry-After"), h.Get("X-Should-Retry"))
	}
	// Streamed requests get the same clean error, before any byte of a
	// stream.
	stream := e.client.Chat.Completions.NewStreaming(e.ctx(), chatParams("strict", "hi"))
	for stream.Next() {
		t.Fatal("got a chunk from an exhausted route")
	}
	if !errors.As(stream.Err(), &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("stream err = %v", stream.Err())
	}
}

func TestExhaustedBy429SaysTooManyRequests(t *testing.T) {
	e := newE2E(t)
	e.fault(e.a, mock.Fault{Status: 429, RetryAfter: mock.Duration(20e9)})
	e.fault(e.b, mock.Fault{Status: 429, RetryAfter: mock.Duration(20e9)})
	_, err := e.client.Chat.Completions.New(e.ctx(), chatParams("strict", "hi"))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 {
		t.Fatalf("err = %v", err)
	}
	if got := apiErr.Response.Header.Get("Retry-After"); got != "20" {
		t.Fatalf("Retry-After = %q, want the provider's 20", got)
	}
}

func TestHeadersReachEveryAttempt(t *testing.T) {
	e := newE2E(t)
	e.fault(e.a, mock.Fault{Status: 503})
	var resp *http.Response
	_, err := e.client.Chat.Completions.New(e.ctx(), chatParams("main", "hi"),
		option.WithHeader("X-Request-Id", "req-e2e-42"),
		option.WithHeader("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
		option.WithHeader("X-User-Id", "user-7"),
		option.WithHeader("X-Session-Id", "sess-9"),
		option.WithHeader("X-Tenant", "acme"),
		option.WithHeader("X-Not-Listed", "private"),
		option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("X-Request-Id") != "req-e2e-42" {
		t.Fatalf("response request id %q", resp.Header.Get("X-Request-Id"))
	}
	for _, p := range []*mock.Provider{e.a, e.b} {
		h := p.Stats().Recent[0].Header
		for k, want := range map[string]string{
			"X-Request-Id": "req-e2e-42", "Traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			"X-User-Id": "user-7", "X-Session-Id": "sess-9", "X-Tenant": "acme", "X-Not-Listed": "",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s saw %s = %q, want %q", p.Name(), k, got, want)
			}
		}
		if strings.Contains(h.Get("Authorization"), "client-key") {
			t.Errorf("%s saw the client's key", p.Name())
		}
	}
	// The key pool of b rotates.
	_, _ = e.client.Chat.Completions.New(e.ctx(), chatParams("main", "again"))
	rec := e.b.Stats().Recent
	if len(rec) != 2 || rec[0].Header.Get("Authorization") == rec[1].Header.Get("Authorization") {
		t.Fatalf("b's key pool did not rotate")
	}
	// Without a client id the gateway makes one, the same on every attempt.
	e.a.ResetStats()
	e.b.ResetStats()
	_, err = e.client.Chat.Completions.New(e.ctx(), chatParams("main", "hi"), option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	id := resp.Header.Get("X-Request-Id")
	if id == "" || e.a.Stats().Recent[0].Header.Get("X-Request-Id") != id || e.b.Stats().Recent[0].Header.Get("X-Request-Id") != id {
		t.Fatalf("generated id %q not on every attempt", id)
	}
}

func TestToolCallConversationStreamed(t *testing.T) {
	e := newE2E(t)
	e.fault(e.a, mock.Fault{Status: 500}) // the conversation fails over too
	params := openai.ChatCompletionNewParams{
		Model:    "main",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("What's the weather in Paris?")},
		Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
			Name:        "get_weather",
			Description: openai.String("Weather for a city"),
			Parameters: openai.FunctionParameters{
				"type":       "object",
				"properties": map[string]any{"city": map[string]any{"type": "string"}},
				"required":   []string{"city"},
			},
		})},
	}
	acc := streamed(t, e.client.Chat.Completions.NewStreaming(e.ctx(), params))
	calls := acc.Choices[0].Message.ToolCalls
	if len(calls) != 1 || calls[0].Function.Name != "get_weather" || acc.Choices[0].FinishReason != "tool_calls" {
		t.Fatalf("tool calls %+v finish %q", calls, acc.Choices[0].FinishReason)
	}
	var args map[string]any
	if err := json.Unmarshal([]byte(calls[0].Function.Arguments), &args); err != nil || args["city"] == nil {
		t.Fatalf("arguments %q: %v", calls[0].Function.Arguments, err)
	}
	params.Messages = append(params.Messages, acc.Choices[0].Message.ToParam(), openai.ToolMessage(`{"temp_c":18}`, calls[0].ID))
	acc = streamed(t, e.client.Chat.Completions.NewStreaming(e.ctx(), params))
	if text := acc.Choices[0].Message.Content; text == "" || len(acc.Choices[0].Message.ToolCalls) != 0 {
		t.Fatalf("second turn: %+v", acc.Choices[0].Message)
	}
	// The provider received the tool turn intact.
	body := string(e.b.Stats().Recent[1].Body)
	if !strings.Contains(body, `"tool_call_id":"`+calls[0].ID+`"`) {
		t.Fatalf("tool result not forwarded: %s", body)
	}
}

func TestClientDisconnectCancelsUpstreamAndBlamesNoOne(t *testing.T) {
	e := newE2E(t)
	e.fault(e.a, mock.Fault{HangBeforeHeaders: true})
	ctx, cancel := context.WithCancel(e.ctx())
	done := make(chan error, 1)
	go func() {
		_, err := e.client.Chat.Completions.New(ctx, chatParams("only-429", "hi"))
		done <- err
	}()
	if err := e.a.WaitRequests(e.ctx(), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	// The gateway hangs up on a as soon as the client is gone.
	if err := e.a.WaitIdle(e.ctx()); err != nil {
		t.Fatalf("a still has a request in flight: %v", err)
	}
	if e.b.Stats().Requests != 0 {
		t.Error("a cancelled request failed over")
	}
	waitFor(t, func() bool { return e.metric("backstop_requests_total", `route="only-429"`, `outcome="canceled"`) == 1 })
	if n := e.metric("backstop_fallbacks_total"); n != 0 {
		t.Errorf("fallbacks = %v after a client cancel", n)
	}
}

func TestNonRetryableUpstreamErrors(t *testing.T) {
	e := newE2E(t)
	// A 400 from the provider is the client's to fix: same status, the
	// provider's explanation, no failover.
	e.fault(e.a, mock.Fault{Status: 400, Body: `{"error":{"message":"This model's maximum context length is 8192 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`})
	_, err := e.client.Chat.Completions.New(e.ctx(), chatParams("main", "hi"))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code != "context_length_exceeded" || !strings.Contains(apiErr.Message, "maximum context length") {
		t.Fatalf("err = %v", err)
	}
	if e.b.Stats().Requests != 0 {
		t.Error("a 400 failed over")
	}
	// A 401 is about the gateway's key: a 502 that does not echo the
	// provider's text (which may quote the key).
	e.fault(e.a, mock.Fault{Status: 401, Body: `{"error":{"message":"Incorrect API key provided: test-k***-a"}}`})
	_, err = e.client.Chat.Completions.New(e.ctx(), chatParams("main", "hi"))
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 502 || strings.Contains(apiErr.RawJSON(), "test-k") {
		t.Fatalf("err = %v", err)
	}
}

func TestBadInput(t *testing.T) {
	e := newE2E(t)
	tests := []struct {
		name, body, contentType string
		status                  int
		param, contains         string
	}{
		{"invalid JSON", `{"model":"main","messages":[`, "application/json", 400, "", "could not parse the JSON body"},
		{"missing model", `{"messages":[{"role":"user","content":"hi"}]}`, "application/json", 400, "model", "must provide a model"},
		{"unknown model", `{"model":"gpt-17","messages":[{"role":"user","content":"hi"}]}`, "application/json", 404, "model", "does not exist"},
		{"model of the wrong type", `{"model":5,"messages":[{"role":"user","content":"hi"}]}`, "application/json", 400, "model", "expected a string"},
		{"messages of the wrong type", `{"model":"main","messages":{}}`, "application/json", 400, "messages", "expected an array"},
		{"stream of the wrong type", `{"model":"main","stream":"yes","messages":[{"role":"user","content":"hi"}]}`, "application/json", 400, "stream", "expected a boolean"},
		{"body over the limit", `{"model":"main","messages":[{"role":"user","content":"` + strings.Repeat("x", 70<<10) + `"}]}`, "application/json", 413, "", "larger than this gateway's limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.post("/v1/chat/completions", tt.contentType, tt.body, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			var eb struct {
				Error struct {
					Message string  `json:"message"`
					Type    string  `json:"type"`
					Param   *string `json:"param"`
				} `json:"error"`
			}
			if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Type != "invalid_request_error" {
				t.Fatalf("body %s is not an OpenAI error: %v", body, err)
			}
			if !strings.Contains(eb.Error.Message, tt.contains) {
				t.Errorf("message %q does not contain %q", eb.Error.Message, tt.contains)
			}
			if got := ""; eb.Error.Param != nil {
				got = *eb.Error.Param
				if got != tt.param {
					t.Errorf("param %q, want %q", got, tt.param)
				}
			} else if tt.param != "" {
				t.Errorf("param null, want %q", tt.param)
			}
		})
	}
	if e.a.Stats().Requests+e.b.Stats().Requests+e.c.Stats().Requests != 0 {
		t.Fatal("a bad request reached a provider")
	}
	// The SDK reports the unknown route as a 404 error.
	_, err := e.client.Chat.Completions.New(e.ctx(), chatParams("nope", "hi"))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Code != "model_not_found" {
		t.Fatalf("err = %v", err)
	}
}

func TestModelsListsRoutes(t *testing.T) {
	e := newE2E(t)
	page, err := e.client.Models.List(e.ctx())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range page.Data {
		ids = append(ids, m.ID)
	}
	if strings.Join(ids, ",") != "azure,capped,claude,claude-capped,claude-then-openai,continued,deadline,drilled,guarded,long,long-by-error,main,only-429,openai-then-claude,polite,shifting,strict,tail,tail-hedged,text-only,to-claude,vision" {
		t.Fatalf("models = %v", ids)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(e.base + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
}

// streamed reads a whole stream with the SDK's accumulator and fails the
// test on a stream error.
func streamed(t *testing.T, stream *ssestream.Stream[openai.ChatCompletionChunk]) openai.ChatCompletionAccumulator {
	t.Helper()
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream error: %v", err)
	}
	return acc
}

// TestIdleStreamAfterCommitEndsWithAnError: a provider that goes silent
// mid-answer is cut at the idle timeout, and the client gets an error
// event, never a clean end, long before the total deadline.
func TestIdleStreamAfterCommitEndsWithAnError(t *testing.T) {
	e := newE2E(t)
	e.fault(e.a, mock.Fault{HangAfterChunks: 2})
	start := time.Now()
	resp, raw := e.post("/v1/chat/completions", "application/json", `{"model":"main","stream":true,"messages":[{"role":"user","content":"x"}]}`, nil)
	took := time.Since(start)
	if resp.StatusCode != 200 || strings.Contains(string(raw), "[DONE]") || !strings.Contains(string(raw), `"stream_interrupted"`) || !strings.Contains(string(raw), "idle") {
		t.Fatalf("status %d, stream:\n%s", resp.StatusCode, raw)
	}
	if took > 5*time.Second {
		t.Fatalf("the silent stream was cut after %v; idle is 500ms, total 10s", took)
	}
	if err := e.a.WaitIdle(e.ctx()); err != nil {
		t.Fatal("the gateway did not hang up on the silent provider")
	}
}

// TestTotalDeadlineBoundsEveryAttempt: with every target slower than the
// route's total deadline allows, the client gets a 504 when the deadline
// runs out, not after each target's own timeout.
func TestTotalDeadlineBoundsEveryAttempt(t *testing.T) {
	e := newE2E(t)
	for _, p := range []*mock.Provider{e.a, e.b} {
		e.fault(p, mock.Fault{HangBeforeHeaders: true})
	}
	start := time.Now()
	_, err := e.client.Chat.Completions.New(e.ctx(), chatParams("deadline", "hi"))
	took := time.Since(start)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 504 || apiErr.Code != "backstop_exhausted" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(apiErr.Message, "deadline") {
		t.Errorf("message %q does not say the deadline ran out", apiErr.Message)
	}
	// The route gives each attempt 3s and the request 4s: a uses 3s, and
	// b only the second that is left.
	if took < 4*time.Second || took > 7*time.Second {
		t.Fatalf("answered after %v, want about the 4s deadline", took)
	}
	if e.b.Stats().Requests != 1 {
		t.Fatalf("b got %d requests, want the one that ran out of time", e.b.Stats().Requests)
	}
}

// TestEmbeddingsFailOverToo: POST /v1/embeddings is routed like a chat
// request, retries and fails over; a route with no OpenAI-dialect target
// refuses it with a 400 that names the model.
func TestEmbeddingsFailOverToo(t *testing.T) {
	e := newE2E(t)
	e.fault(e.a, mock.Fault{Status: 503})
	var resp *http.Response
	got, err := e.client.Embeddings.New(e.ctx(), openai.EmbeddingNewParams{
		Model: "main",
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"one", "two"}},
	}, option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != 2 || len(got.Data[0].Embedding) == 0 || resp.Header.Get("X-Backstop-Target") != "tb" {
		t.Fatalf("%d embeddings of %d dims from %q", len(got.Data), len(got.Data[0].Embedding), resp.Header.Get("X-Backstop-Target"))
	}
	if rec := e.b.Stats().Recent[0]; rec.Path != "/v1/embeddings" || rec.Model != "model-b" {
		t.Fatalf("provider saw %s model %q", rec.Path, rec.Model)
	}
	_, err = e.client.Embeddings.New(e.ctx(), openai.EmbeddingNewParams{
		Model: "claude",
		Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("one")},
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.Message, "no embeddings") {
		t.Fatalf("embeddings on an Anthropic-only route: %v", err)
	}
	resp2, body := e.post("/v1/embeddings", "application/json", `{"model":"main"}`, nil)
	if resp2.StatusCode != 400 || !strings.Contains(string(body), `"param":"input"`) {
		t.Fatalf("missing input: %d %s", resp2.StatusCode, body)
	}
}
