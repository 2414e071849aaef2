package mock

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

func TestRecordsHeadersAndExactBodies(t *testing.T) {
	sim := newSim(t, Options{Recent: 3})
	p := start(t, sim, "primary")
	hc := httpClient(t)
	// Odd spacing and key order, which a re-encoding gateway would lose.
	body := "{ \"messages\" : [ {\"content\":\"h\\u00e9\", \"role\":\"user\"} ],\n  \"model\":\"gpt-4o\", \"stream\": true }"
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodPost, p.URL()+"/chat/completions", strings.NewReader(body))
	req.Header.Set("X-Request-Id", "abc-123")
	req.Header.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := p.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	if st.Requests != 1 || st.ByStatus[200] != 1 || st.ByPath["/v1/chat/completions"] != 1 || len(st.Recent) != 1 {
		t.Fatalf("%+v", st)
	}
	r := st.Recent[0]
	if !bytes.Equal(r.Body, []byte(body)) || r.BodySize != len(body) {
		t.Errorf("body %q, want %q", r.Body, body)
	}
	if r.Header.Get("X-Request-Id") != "abc-123" || r.Header.Get("Traceparent") == "" {
		t.Errorf("headers %v", r.Header)
	}
	if r.Model != "gpt-4o" || !r.Stream || r.Method != "POST" || r.Status != 200 || r.Time.IsZero() {
		t.Errorf("%+v", r)
	}

	// A snapshot is a copy.
	st.Recent[0].Body[0] = 'X'
	st.Recent[0].Header.Set("X-Request-Id", "changed")
	if again := p.Stats().Recent[0]; again.Body[0] != '{' || again.Header.Get("X-Request-Id") != "abc-123" {
		t.Error("a snapshot shares memory with the recorder")
	}

	// Only the last Recent requests are kept, oldest first.
	for _, m := range []string{"m1", "m2", "m3", "m4"} {
		post(t, hc, p, "/v1/chat/completions", `{"model":"`+m+`","messages":[{"role":"user","content":"x"}]}`)
	}
	if err := p.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
	st = p.Stats()
	var models []string
	for _, r := range st.Recent {
		models = append(models, r.Model)
	}
	if st.Requests != 5 || strings.Join(models, ",") != "m2,m3,m4" {
		t.Errorf("%d requests, recent %v", st.Requests, models)
	}

	p.ResetStats()
	if st := p.Stats(); st.Requests != 0 || len(st.Recent) != 0 || len(st.ByStatus) != 0 {
		t.Errorf("after reset %+v", st)
	}
}

func TestSimulatorLifecycle(t *testing.T) {
	sim := New(Options{})
	p, err := sim.Start("a", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.URL(), "http://127.0.0.1:") || !strings.HasSuffix(p.URL(), "/v1") || p.Name() != "a" {
		t.Errorf("url %q name %q", p.URL(), p.Name())
	}
	if sim.Provider("a") != p || sim.Provider("b") != nil {
		t.Error("lookup")
	}
	if _, err := sim.Start("a", "127.0.0.1:0"); err == nil {
		t.Error("started a second provider named a")
	}
	if _, err := sim.Start("b", p.Addr()); err == nil {
		t.Error("started on a port in use")
	}
	if _, err := sim.Start("", "127.0.0.1:0"); err == nil {
		t.Error("started a provider without a name")
	}
	// Close ends a hang in flight and waits for it.
	if err := p.SetFault(Fault{HangBeforeHeaders: true}); err != nil {
		t.Fatal(err)
	}
	done := request(t, testContext(t), httpClient(t), p, helloBody)
	if err := p.WaitRequests(testContext(t), 1); err != nil {
		t.Fatal(err)
	}
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.InFlight != 0 {
		t.Errorf("in flight after Close: %d", st.InFlight)
	}
	if r := await(t, done); r.err == nil {
		t.Errorf("the hung request got an answer: %+v", r)
	}
	if _, err := sim.Start("c", "127.0.0.1:0"); err != ErrClosed {
		t.Errorf("start after close: %v", err)
	}
	if err := p.SetFault(Fault{}); err != ErrClosed {
		t.Errorf("set fault after close: %v", err)
	}
	_ = sim.Close() // twice is fine
}
