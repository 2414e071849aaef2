package mock

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
)

// These tests read the Anthropic dialect's bytes on the wire, where the
// SDK would hide a difference.

// claudeRequest is a POST to path with the headers every Anthropic client
// sends; a test deletes what it wants missing.
func claudeRequest(t *testing.T, p *Provider, path, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodPost, p.AnthropicURL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("x-api-key", "sk-ant-test")
	return req
}

func do(t *testing.T, hc *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, b
}

const claudeHello = `{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"hello"}]}`
const claudeHelloStream = `{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"hello"}]}`

// anthropicError reads an Anthropic error body.
func readAnthropicError(t *testing.T, b []byte) (typ, message, requestID string) {
	t.Helper()
	var body struct {
		Type  string `json:"type"`
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(b, &body); err != nil || body.Type != "error" {
		t.Fatalf("not an Anthropic error body: %s", b)
	}
	return body.Error.Type, body.Error.Message, body.RequestID
}

type claudeEvent struct{ name, data string }

// claudeEvents splits a stream body into its events, and checks that each
// has an event: line naming the type its data has.
func claudeEvents(t *testing.T, b []byte) []claudeEvent {
	t.Helper()
	var out []claudeEvent
	for raw := range strings.SplitSeq(strings.TrimSuffix(string(b), "\n\n"), "\n\n") {
		name, data, ok := strings.Cut(raw, "\ndata: ")
		name, named := strings.CutPrefix(name, "event: ")
		if !ok || !named {
			t.Fatalf("event without an event: line and a data: line: %q", raw)
		}
		var typed struct{ Type string }
		if json.Unmarshal([]byte(data), &typed) == nil && typed.Type != name {
			t.Errorf("event %q has data of type %q", name, typed.Type)
		}
		out = append(out, claudeEvent{name, data})
	}
	return out
}

func names(evs []claudeEvent) string {
	var s []string
	for _, ev := range evs {
		s = append(s, ev.name)
	}
	return strings.Join(s, " ")
}

func TestAnthropicStreamOnTheWire(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithTokens(3))
	resp, b := do(t, httpClient(t), claudeRequest(t, p, "/v1/messages", claudeHelloStream))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" || !strings.HasPrefix(resp.Header.Get("Request-Id"), "req_") {
		t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
	}
	evs := claudeEvents(t, b)
	want := "message_start ping content_block_start content_block_delta content_block_delta content_block_delta content_block_stop message_delta message_stop"
	if got := names(evs); got != want {
		t.Fatalf("events %s\nwant   %s", got, want)
	}
	var start struct {
		Message struct {
			Content    []any
			StopReason *string `json:"stop_reason"`
			Usage      struct {
				InputTokens  int `json:"input_tokens"`
				OutputTokens int `json:"output_tokens"`
			}
		}
	}
	if err := json.Unmarshal([]byte(evs[0].data), &start); err != nil || start.Message.Content == nil || len(start.Message.Content) != 0 ||
		start.Message.StopReason != nil || start.Message.Usage.InputTokens != 1 || start.Message.Usage.OutputTokens != 1 {
		t.Errorf("message_start %s", evs[0].data)
	}
	if evs[2].data != `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}` {
		t.Errorf("content_block_start %s", evs[2].data)
	}
	if !strings.HasPrefix(evs[3].data, `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"[primary]"}}`) {
		t.Errorf("first delta %s", evs[3].data)
	}
	if evs[7].data != `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":3}}` {
		t.Errorf("message_delta %s", evs[7].data)
	}
}

func TestAnthropicHeadersAndRouting(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithAPIKeys("sk-ant-test"))
	hc := httpClient(t)
	for _, tc := range []struct {
		name   string
		req    func() *http.Request
		status int
		typ    string
		msg    string
	}{
		{"no anthropic-version", func() *http.Request {
			r := claudeRequest(t, p, "/v1/messages", claudeHello)
			r.Header.Del("anthropic-version")
			return r
		}, 400, "invalid_request_error", "anthropic-version: header is required"},
		{"no x-api-key", func() *http.Request {
			r := claudeRequest(t, p, "/v1/messages", claudeHello)
			r.Header.Del("x-api-key")
			r.Header.Set("Authorization", "Bearer sk-ant-test") // the OpenAI way does not count
			return r
		}, 401, "authentication_error", "x-api-key header is required"},
		{"wrong x-api-key", func() *http.Request {
			r := claudeRequest(t, p, "/v1/messages/count_tokens", claudeHello)
			r.Header.Set("x-api-key", "sk-ant-other")
			return r
		}, 401, "authentication_error", "invalid x-api-key"},
		{"unknown path", func() *http.Request { return claudeRequest(t, p, "/v1/messages/batches", claudeHello) },
			404, "not_found_error", "Not Found"},
		{"GET", func() *http.Request {
			r := claudeRequest(t, p, "/v1/messages", "")
			r.Method = http.MethodGet
			return r
		}, 405, "invalid_request_error", "Method Not Allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := do(t, hc, tc.req())
			typ, msg, id := readAnthropicError(t, b)
			if resp.StatusCode != tc.status || typ != tc.typ || msg != tc.msg {
				t.Errorf("status %d type %q message %q; want %d %q %q", resp.StatusCode, typ, msg, tc.status, tc.typ, tc.msg)
			}
			if id == "" || resp.Header.Get("Request-Id") != id {
				t.Errorf("request id %q, header %q", id, resp.Header.Get("Request-Id"))
			}
		})
	}
	if resp, b := do(t, hc, claudeRequest(t, p, "/v1/messages?beta=true", claudeHello)); resp.StatusCode != 200 {
		t.Errorf("with the right key and ?beta=true: %d %s", resp.StatusCode, b)
	}
}

// The SDK sees a wrong key as an authentication_error.
func TestAnthropicSDKWrongKey(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithAPIKeys("sk-ant-a"))
	client := claude(t, p, aoption.WithAPIKey("sk-ant-b"))
	_, err := client.Messages.New(testContext(t), claudeParams("hi"))
	if apiErr, ok := errors.AsType[*anthropic.Error](err); !ok || apiErr.StatusCode != 401 || apiErr.Type() != anthropic.ErrorTypeAuthenticationError {
		t.Fatalf("error %v, want a 401 authentication_error", err)
	}
	client = claude(t, p, aoption.WithAPIKey("sk-ant-a"))
	if _, err := client.Messages.New(testContext(t), claudeParams("hi")); err != nil {
		t.Fatal(err)
	}
}

// The SDK always sends anthropic-version; without it, it reads the 400.
func TestAnthropicSDKWithoutVersion(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	client := claude(t, p, aoption.WithHeaderDel("anthropic-version"))
	_, err := client.Messages.New(testContext(t), claudeParams("hi"))
	apiErr, ok := errors.AsType[*anthropic.Error](err)
	if !ok || apiErr.StatusCode != 400 || apiErr.Type() != anthropic.ErrorTypeInvalidRequestError ||
		!strings.Contains(apiErr.RawJSON(), "anthropic-version: header is required") {
		t.Fatalf("error %v, want the 400 for the missing header", err)
	}
	if st := p.Stats(); st.Recent[0].Header.Get("Anthropic-Version") != "" {
		t.Errorf("the SDK sent anthropic-version after all: %v", st.Recent[0].Header)
	}
}

func TestAnthropicTooLargeBody(t *testing.T) {
	sim := newSim(t, Options{MaxBodyBytes: 64})
	p := start(t, sim, "primary")
	resp, b := do(t, httpClient(t), claudeRequest(t, p, "/v1/messages", claudeHello))
	if typ, _, _ := readAnthropicError(t, b); resp.StatusCode != 413 || typ != "request_too_large" {
		t.Errorf("status %d body %s", resp.StatusCode, b)
	}
}

// A request as Claude Code 2.1 sends it (wire-formats.md §6): system blocks
// with cache_control, a system message inside messages, adaptive thinking,
// fields the simulator does not know, tools with defer_loading, beta
// headers. It must be answered, not refused.
func TestAnthropicTakesAClaudeCodeRequest(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	body := `{"model":"claude-opus-4-1","max_tokens":32000,"stream":true,
	"thinking":{"type":"adaptive","display":"omitted"},"context_management":{"edits":[]},"output_config":{"effort":"medium"},
	"metadata":{"user_id":"{\"device_id\":\"x\"}"},
	"system":[{"type":"text","text":"You are Claude Code."},{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
	"tools":[{"name":"Bash","description":"run","input_schema":{"type":"object","properties":{"command":{"type":"string"}}},"defer_loading":true}],
	"messages":[{"role":"system","content":"<env>cwd: /tmp</env>"},
		{"role":"user","content":[{"type":"text","text":"say hi","cache_control":{"type":"ephemeral"}}]}]}`
	req := claudeRequest(t, p, "/v1/messages?beta=true", body)
	req.Header.Set("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14,effort-2025-11-24")
	req.Header.Set("anthropic-dangerous-direct-browser-access", "true")
	req.Header.Set("x-app", "cli")
	resp, b := do(t, httpClient(t), req)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	evs := claudeEvents(t, b)
	if got := names(evs); !strings.HasPrefix(got, "message_start ping content_block_start") || !strings.HasSuffix(got, "message_delta message_stop") {
		t.Errorf("events %s", got)
	}
	if !strings.Contains(evs[2].data, `"tool_use"`) || !strings.Contains(evs[2].data, `"name":"Bash"`) {
		t.Errorf("want a call to the Bash tool, got %s", evs[2].data)
	}
}
