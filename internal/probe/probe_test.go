package probe

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/failure"
)

// A successful probe is a real one-token streamed request, marked with
// the probe header, whose time to its first content chunk (the role-only
// preamble does not count) is recorded as its TTFT and latency.
func TestSuccessRecordsTTFT(t *testing.T) {
	preamble, release := make(chan struct{}), make(chan struct{})
	s := Schedule{Interval: 10 * time.Second, Timeout: 5 * time.Second}
	f := newFixture(t, s, nil, func(f *fixture, w http.ResponseWriter, r *http.Request) {
		startStream(w)
		writeEvents(w, roleChunk)
		preamble <- struct{}{}
		select {
		case <-release:
		case <-f.quit:
			return
		}
		writeEvents(w, contentChunk, finishChunk, usageChunk, "[DONE]")
	})
	f.clk.Advance(10 * time.Second)
	a := recv(t, f.arrivals, "probe")
	recv(t, preamble, "preamble")
	f.clk.Advance(300 * time.Millisecond) // the model thinks
	close(release)
	r := recv(t, f.results, "result")

	const ttft = 300 * time.Millisecond
	if r.Err != nil || !r.Outcome.Success || !r.Outcome.Counted || r.Outcome.TTFT != ttft || r.Outcome.Latency != ttft {
		t.Errorf("result = %+v, want a counted success with TTFT and latency %s", r, ttft)
	}
	st := f.target.Health.Snapshot()
	if st.Requests != 1 || st.Failures != 0 || st.TTFT.Count != 1 || st.Latency.Count != 1 {
		t.Errorf("health = %+v, want one success with a TTFT and a latency", st)
	}
	// The histogram reads a sample back within 13% (health.percentileError).
	if p := st.TTFT.P50; p < 260*time.Millisecond || p > 340*time.Millisecond {
		t.Errorf("TTFT p50 = %s, want about %s", p, ttft)
	}
	if c := f.prober.Counts()["t"]; c != (Counts{Sent: 1, OK: 1}) {
		t.Errorf("counts = %+v, want 1 sent, 1 ok", c)
	}

	if got := a.header.Get(Header); got != "1" {
		t.Errorf("%s = %q, want 1", Header, got)
	}
	var body struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		MaxTokens     *int `json:"max_tokens"`
		Stream        bool `json:"stream"`
		StreamOptions struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	if err := json.Unmarshal(a.body, &body); err != nil {
		t.Fatalf("probe body %s: %v", a.body, err)
	}
	if body.Model != "sim-large" || len(body.Messages) != 1 || body.Messages[0].Role != "user" || body.Messages[0].Content == "" ||
		body.MaxTokens == nil || *body.MaxTokens != 1 || !body.Stream || !body.StreamOptions.IncludeUsage {
		t.Errorf("probe body = %s, want one user message to sim-large, max_tokens 1, streamed with usage", a.body)
	}
}

// A hung upstream fails the probe at its timeout, on the injected clock,
// and the failure counts against the target.
func TestHungUpstreamTimesOut(t *testing.T) {
	const timeout = 4 * time.Second
	s := Schedule{Interval: 10 * time.Second, Timeout: timeout}
	f := newFixture(t, s, nil, hang)
	f.clk.Advance(10 * time.Second)
	recv(t, f.arrivals, "probe")
	if !slices.Contains(f.clk.waits(0), timeout) {
		t.Fatalf("the prober armed no %s timeout; delays %v", timeout, f.clk.waits(0))
	}
	f.clk.Advance(timeout)
	r := recv(t, f.results, "result")
	if r.Err == nil || r.Err.Kind != failure.Timeout || r.Outcome.Success || !r.Outcome.Counted || r.Duration != timeout {
		t.Errorf("result = %+v, want a counted timeout after %s", r, timeout)
	}
	st := f.target.Health.Snapshot()
	if st.Requests != 1 || st.Failures != 1 || st.Consecutive != 1 {
		t.Errorf("health = %+v, want one counted failure", st)
	}
	if c := f.prober.Counts()["t"]; c != (Counts{Sent: 1, Failed: 1}) {
		t.Errorf("counts = %+v, want 1 sent, 1 failed", c)
	}
}

// Every way a probe can fail is classified as the gateway classifies a
// streamed attempt, and counts against the target when a live attempt's
// failure would.
func TestProbeOutcomes(t *testing.T) {
	status := func(code int, body string) func(*fixture, http.ResponseWriter, *http.Request) {
		return func(_ *fixture, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
		}
	}
	stream := func(events ...string) func(*fixture, http.ResponseWriter, *http.Request) {
		return func(_ *fixture, w http.ResponseWriter, _ *http.Request) {
			startStream(w)
			writeEvents(w, events...)
		}
	}
	tests := []struct {
		name    string
		handler func(*fixture, http.ResponseWriter, *http.Request)
		kind    failure.Kind // 0: success
		status  int
		counted bool
	}{
		{"one-token stream", answer, 0, 0, true},
		{"keep-alive comments first", func(_ *fixture, w http.ResponseWriter, _ *http.Request) {
			startStream(w)
			_, _ = w.Write([]byte(": keep-alive\n\n"))
			writeEvents(w, roleChunk, contentChunk, "[DONE]")
		}, 0, 0, true},
		{"503", status(503, `{"error":{"message":"overloaded","type":"server_error"}}`), failure.Status, 503, true},
		{"429", status(429, `{"error":{"message":"slow down","type":"rate_limit_error"}}`), failure.Status, 429, true},
		{"400 is not the target's fault", status(400, `{"error":{"message":"bad","type":"invalid_request_error"}}`), failure.Status, 400, false},
		{"error event in the stream", stream(roleChunk, `{"error":{"message":"overloaded","type":"server_error"}}`), failure.Status, 500, true},
		{"[DONE] before content", stream(roleChunk, "[DONE]"), failure.Malformed, 0, true},
		{"event that is not a chunk", stream("<html>"), failure.Malformed, 0, true},
		{"stream cut before content", stream(roleChunk), failure.StreamCut, 0, true},
		{"JSON instead of a stream", status(200, `{"id":"c1","choices":[]}`), failure.Malformed, 0, true},
		{"connection dropped", func(_ *fixture, w http.ResponseWriter, _ *http.Request) {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
		}, failure.Connect, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Schedule{Interval: 10 * time.Second, Timeout: 5 * time.Second}, nil, tt.handler)
			f.clk.Advance(10 * time.Second)
			r := recv(t, f.results, "result")
			if tt.kind == 0 {
				checkSuccess(t, f, r)
			} else {
				checkFailure(t, f, r, tt.kind, tt.status, tt.counted)
			}
		})
	}
}

// checkSuccess asserts that r, the only probe of f, succeeded and was
// recorded.
func checkSuccess(t *testing.T, f *fixture, r Result) {
	t.Helper()
	st, c := f.target.Health.Snapshot(), f.prober.Counts()["t"]
	if r.Err != nil || !r.Outcome.Success || st.Requests != 1 || st.Failures != 0 || c != (Counts{Sent: 1, OK: 1}) {
		t.Errorf("result %+v, health %+v, counts %+v; want a recorded success", r, st, c)
	}
}

// checkFailure asserts that r, the only probe of f, failed with kind and
// status, and was recorded against the target only when counted.
func checkFailure(t *testing.T, f *fixture, r Result, kind failure.Kind, status int, counted bool) {
	t.Helper()
	if r.Err == nil || r.Err.Kind != kind || r.Err.Status != status {
		t.Fatalf("error = %v, want kind %s, status %d", r.Err, kind, status)
	}
	if r.Outcome.Success || r.Outcome.Counted != counted {
		t.Errorf("outcome = %+v, want a failure with Counted %v", r.Outcome, counted)
	}
	want := int64(0)
	if counted {
		want = 1
	}
	if st := f.target.Health.Snapshot(); st.Requests != want || st.Failures != want {
		t.Errorf("health = %d requests, %d failures; want %d of each", st.Requests, st.Failures, want)
	}
	if c := f.prober.Counts()["t"]; c != (Counts{Sent: 1, Failed: 1}) {
		t.Errorf("counts = %+v, want 1 sent, 1 failed", c)
	}
}
