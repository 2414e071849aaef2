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

	"github.com/openai/openai-go/v3"
)

func TestStatusFaultHeadersAndBodies(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	hc := httpClient(t)
	for _, tc := range []struct {
		name                 string
		fault                Fault
		retryAfter, retryMs  string
		contentType, bodyHas string
		exactBody            string
	}{
		{"429 with both", Fault{Status: 429, RetryAfter: Duration(1200 * time.Millisecond), RetryAfterMs: Duration(250 * time.Millisecond)},
			"2", "250", "application/json", `"code":"rate_limit_exceeded"`, ""},
		{"whole seconds stay whole", Fault{Status: 503, RetryAfter: Duration(3 * time.Second)}, "3", "", "application/json", `"type":"server_error"`, ""},
		{"ms round up", Fault{Status: 429, RetryAfterMs: Duration(1500 * time.Microsecond)}, "", "2", "application/json", `"param":null`, ""},
		{"html 502", Fault{Status: 502, Body: "<html><body>Bad Gateway</body></html>"}, "", "", "text/html; charset=utf-8", "", "<html><body>Bad Gateway</body></html>"},
		{"raw json body", Fault{Status: 500, Body: `{"oops":true}`}, "", "", "application/json", "", `{"oops":true}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := p.SetFault(tc.fault); err != nil {
				t.Fatal(err)
			}
			resp, body := post(t, hc, p, "/v1/chat/completions", helloBody)
			if resp.StatusCode != tc.fault.Status {
				t.Errorf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
			if got := resp.Header.Get("retry-after-ms"); got != tc.retryMs {
				t.Errorf("retry-after-ms %q, want %q", got, tc.retryMs)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type %q", got)
			}
			if tc.exactBody != "" && string(body) != tc.exactBody || !contains(body, tc.bodyHas) {
				t.Errorf("body %s", body)
			}
		})
	}
}

// request runs a chat request in the background; its result arrives on
// the returned channel.
func request(t *testing.T, ctx context.Context, hc *http.Client, p *Provider, body string) <-chan result {
	out := make(chan result, 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL()+"/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		resp, err := hc.Do(req)
		if err != nil {
			out <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		out <- result{resp: resp, body: b, err: err}
	}()
	return out
}

type result struct {
	resp *http.Response
	body []byte
	err  error
}

func await(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(testTimeout):
		t.Fatal("no answer")
	}
	return result{}
}

func TestLatencyWaitsOnTheClock(t *testing.T) {
	clk := newFakeClock()
	sim := newSim(t, Options{Clock: clk})
	p := start(t, sim, "primary", WithFault(Fault{Latency: Duration(2 * time.Second)}))
	done := request(t, testContext(t), httpClient(t), p, helloBody)

	if d := clk.nextWait(t); d != 2*time.Second {
		t.Fatalf("waited %v, want the latency", d)
	}
	// The provider waits on the clock, so nothing can have been answered.
	select {
	case r := <-done:
		t.Fatalf("answered before the latency elapsed: %+v", r)
	default:
	}
	// A fault set now is for later requests; the waiting one keeps its own.
	if err := p.SetFault(Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
	if r := await(t, done); r.err != nil || r.resp.StatusCode != 200 {
		t.Fatalf("after the latency: %+v", r)
	}
	if r := await(t, request(t, testContext(t), httpClient(t), p, helloBody)); r.err != nil || r.resp.StatusCode != 503 {
		t.Fatalf("next request: %+v", r)
	}
}

func TestTTFTAndPacingOrderTheChunks(t *testing.T) {
	clk := newFakeClock()
	sim := newSim(t, Options{Clock: clk})
	p := start(t, sim, "primary", WithTokens(4), WithFault(Fault{TTFT: Duration(500 * time.Millisecond), TokensPerSecond: 10}))
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodPost, p.URL()+"/chat/completions", strings.NewReader(helloStreamBody))
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The headers came before the TTFT wait.
	if d := clk.nextWait(t); d != 500*time.Millisecond {
		t.Fatalf("first wait %v, want the TTFT", d)
	}
	er := readEvents(resp.Body)
	noMore := func(when string) {
		t.Helper()
		select {
		case ev := <-er.events:
			t.Fatalf("%s: event %s arrived before the clock moved", when, ev)
		default:
		}
	}
	noMore("during TTFT")
	clk.Advance(500 * time.Millisecond)
	if ev := er.next(t); !strings.Contains(ev, `"role":"assistant"`) {
		t.Fatalf("first event %s, want the role chunk", ev)
	}
	for i := range 4 {
		if i > 0 {
			if d := clk.nextWait(t); d != 100*time.Millisecond {
				t.Fatalf("wait before chunk %d: %v, want 1/10 s", i, d)
			}
			noMore("between chunks")
			clk.Advance(100 * time.Millisecond)
		}
		if ev := er.next(t); !strings.Contains(ev, `"content":"`) {
			t.Fatalf("chunk %d: %s", i, ev)
		}
	}
	for _, want := range []string{`"finish_reason":"stop"`, `"choices":[]`, "[DONE]"} {
		if ev := er.next(t); !strings.Contains(ev, want) {
			t.Fatalf("event %s, want %s", ev, want)
		}
	}
	select {
	case d := <-clk.waits:
		t.Errorf("an extra wait of %v", d)
	default:
	}
}

func TestNonStreamedAnswerWaitsForTheWholeStreamTime(t *testing.T) {
	clk := newFakeClock()
	sim := newSim(t, Options{Clock: clk})
	p := start(t, sim, "primary", WithFault(Fault{Latency: Duration(time.Second), TTFT: Duration(time.Second), TokensPerSecond: 10}))
	done := request(t, testContext(t), httpClient(t), p, helloBody)
	if d := clk.nextWait(t); d != time.Second {
		t.Fatalf("first wait %v, want the latency", d)
	}
	clk.Advance(time.Second)
	if d := clk.nextWait(t); d != time.Second+20*100*time.Millisecond {
		t.Fatalf("second wait %v, want TTFT + 20 tokens at 10/s", d)
	}
	clk.Advance(3 * time.Second)
	if r := await(t, done); r.err != nil || r.resp.StatusCode != 200 {
		t.Fatalf("%+v", r)
	}
}

func TestHangBeforeHeadersEndsWhenTheClientLeaves(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithFault(Fault{HangBeforeHeaders: true}))
	ctx, cancel := context.WithCancel(testContext(t))
	done := request(t, ctx, httpClient(t), p, helloBody)
	if err := p.WaitRequests(testContext(t), 1); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		t.Fatalf("a hung request was answered: %+v", r)
	default:
	}
	if st := p.Stats(); st.InFlight != 1 {
		t.Fatalf("in flight %d, want the hung request", st.InFlight)
	}
	cancel()
	if r := await(t, done); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("client error %v, want context.Canceled", r.err)
	}
	if err := p.WaitIdle(testContext(t)); err != nil {
		t.Fatalf("the handler did not return after the client left: %v", err)
	}
	if st := p.Stats(); st.ByStatus[0] != 1 || st.Faulted != 1 {
		t.Errorf("stats %+v", st)
	}
}

// streamUntil reads a stream's events until it has seen n content chunks,
// then checks that the provider still holds the request, cancels it, and
// returns every event read.
func hangAndLeave(t *testing.T, p *Provider, contentChunks int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.URL()+"/chat/completions", strings.NewReader(helloStreamBody))
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	er := readEvents(resp.Body)
	var events []string
	for len(events) < 1+contentChunks {
		events = append(events, er.next(t))
	}
	select {
	case <-er.done:
		t.Fatal("the stream ended instead of hanging")
	default:
	}
	if st := p.Stats(); st.InFlight != 1 {
		t.Fatalf("in flight %d, want the hung stream", st.InFlight)
	}
	cancel()
	<-er.done
	for ev := range er.events {
		events = append(events, ev)
	}
	if err := p.WaitIdle(testContext(t)); err != nil {
		t.Fatalf("the handler did not return after the client left: %v", err)
	}
	return events
}

func TestHangAfterChunks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		content int // content chunks the client gets
	}{
		{"after 3", 3, 3},
		{"after the role chunk", AfterRoleChunk, 0},
		{"longer than the answer: before the finish chunk", 100, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := newSim(t, Options{})
			p := start(t, sim, "primary", WithFault(Fault{HangAfterChunks: tc.n}))
			events := hangAndLeave(t, p, tc.content)
			if len(events) != 1+tc.content {
				t.Fatalf("%d events, want the role chunk and %d content chunks: %v", len(events), tc.content, events)
			}
			for _, ev := range events {
				if strings.Contains(ev, "finish_reason\":\"") || ev == "[DONE]" {
					t.Errorf("a hung stream sent %s", ev)
				}
			}
		})
	}
}

func TestCutAfterChunks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		content int
	}{
		{"after 3", 3, 3},
		{"after the role chunk", AfterRoleChunk, 0},
		{"longer than the answer", 50, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := newSim(t, Options{})
			p := start(t, sim, "primary", WithFault(Fault{CutAfterChunks: tc.n}))
			req, _ := http.NewRequestWithContext(testContext(t), http.MethodPost, p.URL()+"/chat/completions", strings.NewReader(helloStreamBody))
			resp, err := httpClient(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("read error %v, want an unexpected EOF", err)
			}
			events := sseEvents(t, body)
			if len(events) != 1+tc.content || contains(body, "[DONE]") || contains(body, `"finish_reason":"`) {
				t.Fatalf("want the role chunk and %d content chunks, got:\n%s", tc.content, body)
			}
		})
	}
}

func TestMidAnswerFaultsOnNonStreamedAnswers(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithFault(Fault{CutAfterChunks: 2}))
	r := await(t, request(t, testContext(t), httpClient(t), p, helloBody))
	if !errors.Is(r.err, io.ErrUnexpectedEOF) || len(r.body) == 0 {
		t.Fatalf("cut: err %v, %d bytes", r.err, len(r.body))
	}

	if err := p.SetFault(Fault{HangAfterChunks: 2}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testContext(t))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.URL()+"/chat/completions", strings.NewReader(helloBody))
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, 10)
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != `{"id":"cha` {
		t.Fatalf("start of the body %q: %v", first, err)
	}
	if st := p.Stats(); st.InFlight != 1 {
		t.Fatalf("in flight %d", st.InFlight)
	}
	cancel()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("the rest of a hung body was read without error")
	}
	if err := p.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
}

func TestResetIsAConnectionError(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithFault(Fault{Reset: true}))
	r := await(t, request(t, testContext(t), httpClient(t), p, helloBody))
	if r.resp != nil || !(errors.Is(r.err, syscall.ECONNRESET) || errors.Is(r.err, io.EOF)) {
		t.Fatalf("response %v error %v, want a reset connection", r.resp, r.err)
	}
	client := sdk(t, p)
	_, err := client.Chat.Completions.New(testContext(t), userParams("hi"))
	if _, isAPI := errors.AsType[*openai.Error](err); err == nil || isAPI {
		t.Errorf("SDK error %v, want a transport error", err)
	}
	if err := p.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.ByStatus[0] != 2 || st.Requests != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestDownRefusesConnectionsUntilCleared(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	hc := httpClient(t)
	if r := await(t, request(t, testContext(t), hc, p, helloBody)); r.err != nil || r.resp.StatusCode != 200 {
		t.Fatalf("before: %+v", r)
	}
	// A hang in flight ends when the provider goes down.
	if err := p.SetFault(Fault{HangBeforeHeaders: true}); err != nil {
		t.Fatal(err)
	}
	hung := request(t, testContext(t), httpClient(t), p, helloBody)
	if err := p.WaitRequests(testContext(t), 2); err != nil {
		t.Fatal(err)
	}
	if err := p.SetFault(Fault{Down: true}); err != nil {
		t.Fatal(err)
	}
	if r := await(t, hung); r.err == nil {
		t.Errorf("the hung request was answered: %+v", r)
	}
	if err := p.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
	// A client with a pooled connection may first read EOF on it: going
	// down closes it. A new connection is refused.
	for range 2 {
		r := await(t, request(t, testContext(t), httpClient(t), p, helloBody))
		if !errors.Is(r.err, syscall.ECONNREFUSED) {
			t.Fatalf("while down: %v, want connection refused", r.err)
		}
	}
	if err := p.ClearFault(); err != nil {
		t.Fatal(err)
	}
	if r := await(t, request(t, testContext(t), httpClient(t), p, helloBody)); r.err != nil || r.resp.StatusCode != 200 {
		t.Fatalf("after clear: %+v", r)
	}
	if st := p.Stats(); st.Requests != 3 {
		t.Errorf("%d requests recorded, want 3", st.Requests)
	}
}

func TestMalformedBodies(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithFault(Fault{Malformed: true}))
	hc := httpClient(t)
	for _, path := range []string{"/v1/models"} {
		req, _ := http.NewRequestWithContext(testContext(t), http.MethodGet, "http://"+p.Addr()+path, nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || json.Valid(b) || len(b) == 0 {
			t.Errorf("%s: status %d body %q, want 200 with invalid JSON", path, resp.StatusCode, b)
		}
	}
	for _, body := range []string{helloBody, `{"model":"m","input":"x"}`} {
		path := "/v1/chat/completions"
		if strings.Contains(body, "input") {
			path = "/v1/embeddings"
		}
		resp, b := post(t, hc, p, path, body)
		if resp.StatusCode != 200 || json.Valid(b) {
			t.Errorf("%s: status %d body %q", path, resp.StatusCode, b)
		}
	}
	resp, b := post(t, hc, p, "/v1/chat/completions", helloStreamBody)
	events := sseEvents(t, b)
	if resp.StatusCode != 200 || len(events) != 3 || events[1] != "{not json" || events[2] != "[DONE]" {
		t.Errorf("stream: %q", b)
	}
}

// shareRun sends n requests in order and returns which got the fault.
func shareRun(t *testing.T, seed uint64, n int) []bool {
	sim := newSim(t, Options{Seed: seed})
	p := start(t, sim, "primary", WithFault(Fault{Status: 503, Share: 0.3}))
	hc := httpClient(t)
	out := make([]bool, n)
	for i := range out {
		req, _ := http.NewRequestWithContext(testContext(t), http.MethodGet, p.URL()+"/models", nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		out[i] = resp.StatusCode == 503
	}
	if err := p.WaitIdle(testContext(t)); err != nil { // a client can read an answer before its handler returns
		t.Fatal(err)
	}
	if st := p.Stats(); st.Faulted != int64(count(out)) || st.ByStatus[503] != int64(count(out)) {
		t.Errorf("stats %+v disagree with %d faulted answers", st, count(out))
	}
	return out
}

func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func TestShareIsAFractionAndDeterministic(t *testing.T) {
	a, b, c := shareRun(t, 42, 1000), shareRun(t, 42, 1000), shareRun(t, 43, 1000)
	if n := count(a); n < 250 || n > 350 {
		t.Errorf("%d of 1000 requests faulted, want about 300", n)
	}
	same := func(x, y []bool) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Error("the same seed gave different fault decisions")
	}
	if same(a, c) {
		t.Error("different seeds gave the same 1000 decisions")
	}
}

func TestFaultValidate(t *testing.T) {
	for _, tc := range []struct {
		f    Fault
		want string
	}{
		{Fault{Status: 200}, "status = 200; must be 0 or within 400-599"},
		{Fault{Body: "x"}, "body is set without status"},
		{Fault{RetryAfter: Duration(time.Second)}, "retry_after and retry_after_ms need a status"},
		{Fault{Latency: Duration(-time.Second)}, "latency = -1s; must be >= 0"},
		{Fault{TokensPerSecond: -1}, "tokens_per_second = -1"},
		{Fault{HangAfterChunks: -2}, "hang_after_chunks = -2; must be >= -1"},
		{Fault{HangAfterChunks: 1, CutAfterChunks: 1}, "both set"},
		{Fault{Share: 1.5}, "share = 1.5; must be within [0, 1]"},
	} {
		err := tc.f.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.f, err, tc.want)
		}
	}
	if err := (Fault{Status: 503, RetryAfter: Duration(time.Second), Share: 0.5, CutAfterChunks: AfterRoleChunk}).Validate(); err != nil {
		t.Errorf("a valid fault: %v", err)
	}
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	if err := p.SetFault(Fault{Share: 2}); err == nil {
		t.Error("SetFault took an invalid fault")
	}
	if _, err := sim.Start("other", "127.0.0.1:0", WithFault(Fault{Status: 99})); err == nil {
		t.Error("Start took an invalid fault")
	}
}

func TestDurationJSON(t *testing.T) {
	var f Fault
	if err := json.Unmarshal([]byte(`{"latency":"250ms","retry_after":"2s"}`), &f); err != nil {
		t.Fatal(err)
	}
	if f.Latency.D() != 250*time.Millisecond || f.RetryAfter.D() != 2*time.Second {
		t.Errorf("%+v", f)
	}
	b, _ := json.Marshal(Fault{Status: 503, Latency: Duration(1500 * time.Millisecond)})
	if string(b) != `{"status":503,"latency":"1.5s"}` {
		t.Errorf("%s", b)
	}
	for _, bad := range []string{`{"latency":250}`, `{"latency":"soon"}`} {
		if err := json.Unmarshal([]byte(bad), &f); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}
