package mock

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
)

// The fault controls mean the same on the Anthropic paths as on the OpenAI
// ones; these tests check what differs: the error bodies, and the events
// of an Anthropic stream.

func TestAnthropicStatusFaults(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	client := claude(t, p)
	for _, tc := range []struct {
		status int
		typ    anthropic.ErrorType
	}{
		{400, anthropic.ErrorTypeInvalidRequestError},
		{401, anthropic.ErrorTypeAuthenticationError},
		{402, anthropic.ErrorTypeBillingError},
		{403, anthropic.ErrorTypePermissionError},
		{404, anthropic.ErrorTypeNotFoundError},
		{408, anthropic.ErrorTypeTimeoutError},
		{409, anthropic.ErrorTypeInvalidRequestError},
		{413, "request_too_large"},
		{429, anthropic.ErrorTypeRateLimitError},
		{500, anthropic.ErrorTypeAPIError},
		{502, anthropic.ErrorTypeAPIError},
		{503, anthropic.ErrorTypeOverloadedError},
		{504, anthropic.ErrorTypeTimeoutError},
		{529, anthropic.ErrorTypeOverloadedError},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			if err := p.SetFault(Fault{Status: tc.status}); err != nil {
				t.Fatal(err)
			}
			_, err := client.Messages.New(testContext(t), claudeParams("hi"))
			apiErr, ok := errors.AsType[*anthropic.Error](err)
			if !ok {
				t.Fatalf("error %v, want *anthropic.Error", err)
			}
			if apiErr.StatusCode != tc.status || apiErr.Type() != tc.typ || !strings.HasPrefix(apiErr.RequestID, "req_") {
				t.Errorf("status %d type %q request id %q; want %d %q", apiErr.StatusCode, apiErr.Type(), apiErr.RequestID, tc.status, tc.typ)
			}
			if tc.status == 404 && !strings.Contains(apiErr.RawJSON(), `"message":"model: claude-sonnet-4-5"`) {
				t.Errorf("404 body %s, want it to name the model", apiErr.RawJSON())
			}
		})
	}
}

func TestAnthropicStatusFaultHeadersAndBody(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	hc := httpClient(t)
	if err := p.SetFault(Fault{Status: 429, RetryAfter: Duration(1500 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	resp, b := do(t, hc, claudeRequest(t, p, "/v1/messages", claudeHello))
	typ, _, id := readAnthropicError(t, b)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || typ != "rate_limit_error" || resp.Header.Get("Request-Id") != id {
		t.Errorf("status %d headers %v body %s", resp.StatusCode, resp.Header, b)
	}
	const page = "<html><body>Bad Gateway</body></html>"
	if err := p.SetFault(Fault{Status: 502, Body: page}); err != nil {
		t.Fatal(err)
	}
	resp, b = do(t, hc, claudeRequest(t, p, "/v1/messages", claudeHello))
	if resp.StatusCode != 502 || string(b) != page || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("status %d type %q body %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
}

// countDeltas reads a stream with the SDK and counts its content deltas.
func countDeltas(t *testing.T, client anthropic.Client) (int, error) {
	t.Helper()
	params := claudeParams("hello")
	params.Tools = []anthropic.ToolUnionParam{claudeWeatherTool()}
	params.ToolChoice = anthropic.ToolChoiceUnionParam{OfNone: &anthropic.ToolChoiceNoneParam{}}
	stream := client.Messages.NewStreaming(testContext(t), params)
	defer stream.Close()
	n := 0
	for stream.Next() {
		if stream.Current().Type == "content_block_delta" {
			n++
		}
	}
	return n, stream.Err()
}

// OverloadedAfterChunks counts content events as the OpenAI side counts
// content chunks (see overloaded_test.go), and ends in Anthropic's error
// event, which the SDK raises as an overloaded_error.
func TestAnthropicOverloadedAfterChunks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		content int
	}{
		{"after 3", 3, 3},
		{"after the preamble", AfterRoleChunk, 0},
		{"longer than the answer", 100, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := newSim(t, Options{})
			p := start(t, sim, "primary", WithFault(Fault{OverloadedAfterChunks: tc.n}))

			n, err := countDeltas(t, claude(t, p))
			if apiErr, ok := errors.AsType[*anthropic.Error](err); !ok || apiErr.Type() != anthropic.ErrorTypeOverloadedError || apiErr.StatusCode != 200 {
				t.Errorf("Anthropic stream error %v, want overloaded_error after the 200", err)
			}
			if n != tc.content {
				t.Errorf("Anthropic: %d deltas before the error, want %d", n, tc.content)
			}

			if err := p.WaitIdle(testContext(t)); err != nil {
				t.Fatal(err)
			}
			if st := p.Stats(); st.ByStatus[200] != 1 {
				t.Errorf("stats %+v: the stream should have ended cleanly", st.ByStatus)
			}
		})
	}
}

func TestAnthropicOverloadedOnTheWire(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithTokens(4), WithFault(Fault{OverloadedAfterChunks: 2}))
	resp, b := do(t, httpClient(t), claudeRequest(t, p, "/v1/messages", claudeHelloStream))
	evs := claudeEvents(t, b)
	if want := "message_start ping content_block_start content_block_delta content_block_delta error"; resp.StatusCode != 200 || names(evs) != want {
		t.Fatalf("status %d events %s\nwant %s", resp.StatusCode, names(evs), want)
	}
	if typ, msg, id := readAnthropicError(t, []byte(evs[5].data)); typ != "overloaded_error" || msg != "Overloaded" || id != resp.Header.Get("Request-Id") {
		t.Errorf("error event %s", evs[5].data)
	}
}

// A tool_use block's start is a content chunk, as the OpenAI side's tool
// call header is: a fault after one content chunk comes right after it.
func TestAnthropicToolUseStartIsContent(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithFault(Fault{OverloadedAfterChunks: 1}))
	body := `{"model":"m","max_tokens":100,"stream":true,"tools":[{"name":"f","input_schema":{"type":"object","properties":{"a":{"type":"string"}}}}],` +
		`"messages":[{"role":"user","content":"q"}]}`
	_, b := do(t, httpClient(t), claudeRequest(t, p, "/v1/messages", body))
	evs := claudeEvents(t, b)
	if names(evs) != "message_start ping content_block_start error" || !strings.Contains(evs[2].data, `"type":"tool_use"`) {
		t.Errorf("stream %s", b)
	}
}

// A non-streamed answer cannot carry an error after a 200: it is a 529.
func TestAnthropicOverloadedNonStreamed(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithFault(Fault{OverloadedAfterChunks: 2}))
	client := claude(t, p)
	_, err := client.Messages.New(testContext(t), claudeParams("hi"))
	if apiErr, ok := errors.AsType[*anthropic.Error](err); !ok || apiErr.StatusCode != 529 || apiErr.Type() != anthropic.ErrorTypeOverloadedError {
		t.Errorf("%v, want 529 overloaded_error", err)
	}
}

func TestAnthropicCutStreamIsAnError(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithFault(Fault{CutAfterChunks: 3}))
	n, err := countDeltas(t, claude(t, p))
	if _, isAPI := errors.AsType[*anthropic.Error](err); err == nil || isAPI || n != 3 {
		t.Errorf("%d deltas, then %v; want 3, then a transport error", n, err)
	}
	resp, err := httpClient(t).Do(claudeRequest(t, p, "/v1/messages", claudeHelloStream))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) || contains(b, "message_stop") || contains(b, "content_block_stop") {
		t.Errorf("read error %v, body:\n%s", err, b)
	}
}

func TestAnthropicHangAfterThePreamble(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithFault(Fault{HangAfterChunks: AfterRoleChunk}))
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	req := claudeRequest(t, p, "/v1/messages", claudeHelloStream).WithContext(ctx)
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	er := readEvents(resp.Body)
	for _, want := range []string{`"message_start"`, `"ping"`, `"content_block_start"`} {
		if ev := er.next(t); !strings.Contains(ev, want) {
			t.Fatalf("event %s, want %s", ev, want)
		}
	}
	select {
	case ev, ok := <-er.events:
		t.Fatalf("the hung stream sent %q (open %v)", ev, ok)
	default:
	}
	if st := p.Stats(); st.InFlight != 1 {
		t.Fatalf("in flight %d, want the hung stream", st.InFlight)
	}
	cancel()
	<-er.done
	if err := p.WaitIdle(testContext(t)); err != nil {
		t.Fatalf("the handler did not return after the client left: %v", err)
	}
}

func TestAnthropicMalformed(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithFault(Fault{Malformed: true}))
	hc := httpClient(t)
	resp, b := do(t, hc, claudeRequest(t, p, "/v1/messages", claudeHello))
	if resp.StatusCode != 200 || json.Valid(b) || len(b) == 0 {
		t.Errorf("status %d body %q, want 200 with invalid JSON", resp.StatusCode, b)
	}
	_, b = do(t, hc, claudeRequest(t, p, "/v1/messages", claudeHelloStream))
	evs := claudeEvents(t, b)
	if names(evs) != "message_start ping content_block_delta message_stop" || evs[2].data != "{not json" {
		t.Errorf("stream %s", b)
	}
	if _, err := countDeltas(t, claude(t, p)); err == nil {
		t.Error("the SDK read a malformed stream without error")
	}
}

func TestAnthropicTTFTAndPacing(t *testing.T) {
	clk := newFakeClock()
	sim := newSim(t, Options{Clock: clk})
	p := start(t, sim, "primary", WithTokens(3), WithFault(Fault{TTFT: Duration(500 * time.Millisecond), TokensPerSecond: 10}))
	resp, err := httpClient(t).Do(claudeRequest(t, p, "/v1/messages", claudeHelloStream))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The headers came before the TTFT wait.
	if d := clk.nextWait(t); d != 500*time.Millisecond {
		t.Fatalf("first wait %v, want the TTFT", d)
	}
	er := readEvents(resp.Body)
	quiet := func(when string) {
		t.Helper()
		select {
		case ev := <-er.events:
			t.Fatalf("%s: event %s arrived before the clock moved", when, ev)
		default:
		}
	}
	quiet("during TTFT")
	clk.Advance(500 * time.Millisecond)
	for _, want := range []string{`"message_start"`, `"ping"`, `"content_block_start"`} {
		if ev := er.next(t); !strings.Contains(ev, want) {
			t.Fatalf("event %s, want %s", ev, want)
		}
	}
	for i := range 3 {
		if i > 0 {
			if d := clk.nextWait(t); d != 100*time.Millisecond {
				t.Fatalf("wait before delta %d: %v, want 1/10 s", i, d)
			}
			quiet("between deltas")
			clk.Advance(100 * time.Millisecond)
		}
		if ev := er.next(t); !strings.Contains(ev, `"text_delta"`) {
			t.Fatalf("delta %d: %s", i, ev)
		}
	}
	for _, want := range []string{`"content_block_stop"`, `"message_delta"`, `"message_stop"`} {
		if ev := er.next(t); !strings.Contains(ev, want) {
			t.Fatalf("event %s, want %s", ev, want)
		}
	}
}

func TestAnthropicResetAndDown(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithFault(Fault{Reset: true}))
	client := claude(t, p)
	if _, err := client.Messages.New(testContext(t), claudeParams("hi")); err == nil {
		t.Error("a reset connection gave an answer")
	} else if _, isAPI := errors.AsType[*anthropic.Error](err); isAPI {
		t.Errorf("reset: %v, want a transport error", err)
	}
	if err := p.SetFault(Fault{Down: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Messages.New(testContext(t), claudeParams("hi")); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("down: %v, want connection refused", err)
	}
}
