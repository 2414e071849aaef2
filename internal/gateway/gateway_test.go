package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/route"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// upstream is a hand-written OpenAI-compatible fake whose answer per
// request a test scripts.
type fakeUpstream struct {
	*httptest.Server
	calls  atomic.Int32
	script func(n int32, w http.ResponseWriter, r *http.Request)
}

func newUpstream(t *testing.T, script func(n int32, w http.ResponseWriter, r *http.Request)) *fakeUpstream {
	u := &fakeUpstream{script: script}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		u.script(u.calls.Add(1), w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

const okBody = `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`

func answerOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, okBody)
}

// newGateway builds a gateway over upstreams a and b (route "r": a then b)
// with a fake clock.
func newGateway(t *testing.T, a, b string, routeYAML string) (*Server, *clock.Fake) {
	t.Helper()
	cfg, err := config.Parse([]byte(`
providers:
  a: {type: openai, base_url: `+a+`}
  b: {type: openai, base_url: `+b+`}
targets:
  ta: {provider: a, model: ma}
  tb: {provider: b, model: mb}
routes:
  r:
    targets: [ta, tb]
`+routeYAML), nil)
	if err != nil {
		t.Fatal(err)
	}
	fake := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rt, err := route.Build(cfg, route.Options{UserAgent: "test", Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	s := New(rt, Options{Metrics: metrics.New(), Clock: fake, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return s, fake
}

func post(s *Server, body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body))
	s.ServeHTTP(w, r)
	return w
}

const chatBody = `{"model":"r","messages":[{"role":"user","content":"hi"}]}`

// TestRetryAfterIsWaitedOnTheClock checks, in virtual time, that a 429's
// Retry-After is honoured before the same target is tried again: the
// retry does not happen until the clock has moved that far.
func TestRetryAfterIsWaitedOnTheClock(t *testing.T) {
	a := newUpstream(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		answerOK(w)
	})
	b := newUpstream(t, func(int32, http.ResponseWriter, *http.Request) { t.Error("b was called") })
	// No response timeout, so that the only timer is the retry's wait.
	s, fake := newGateway(t, a.URL, b.URL, "    retry: {max_wait: 2s}\n    timeouts: {response: 0s}\n")

	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- post(s, chatBody) }()
	waitUntil(t, func() bool { return a.calls.Load() == 1 && fake.Pending() == 1 })
	fake.Advance(900 * time.Millisecond)
	if a.calls.Load() != 1 {
		t.Fatal("retried before Retry-After elapsed")
	}
	fake.Advance(200 * time.Millisecond)
	w := <-done
	if w.Code != 200 || a.calls.Load() != 2 || w.Header().Get(HeaderAttempts) != "2" {
		t.Fatalf("status %d, calls %d, attempts %s", w.Code, a.calls.Load(), w.Header().Get(HeaderAttempts))
	}
}

// TestFirstTokenTimeoutOnTheClock checks, in virtual time, that an
// upstream silent past the first-token timeout is abandoned for the next
// target, and that the failure is counted as a timeout.
func TestFirstTokenTimeoutOnTheClock(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	a := newUpstream(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	b := newUpstream(t, func(_ int32, w http.ResponseWriter, _ *http.Request) { answerOK(w) })
	s, fake := newGateway(t, a.URL, b.URL, "    timeouts: {response: 5s}\n")

	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- post(s, chatBody) }()
	waitUntil(t, func() bool { return a.calls.Load() == 1 })
	fake.Advance(4 * time.Second)
	select {
	case <-done:
		t.Fatal("gave up on a before its timeout")
	case <-time.After(50 * time.Millisecond):
	}
	fake.Advance(time.Second)
	w := <-done
	if w.Code != 200 || w.Header().Get(HeaderTarget) != "tb" {
		t.Fatalf("status %d target %q", w.Code, w.Header().Get(HeaderTarget))
	}
	if got := s.opts.Metrics.Attempts.WithLabelValues("r", "ta", "timeout"); testutil.ToFloat64(got) != 1 {
		t.Fatal("the hang was not counted as a timeout")
	}
}

func TestClientCancelIsNotAProviderFailure(t *testing.T) {
	a := newUpstream(t, func(_ int32, w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	b := newUpstream(t, func(int32, http.ResponseWriter, *http.Request) { t.Error("b was called") })
	s, _ := newGateway(t, a.URL, b.URL, "")
	ctx, cancel := context.WithCancel(context.Background())
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(chatBody)).WithContext(ctx)
	done := make(chan struct{})
	go func() { s.ServeHTTP(w, r); close(done) }()
	waitUntil(t, func() bool { return a.calls.Load() == 1 })
	cancel()
	<-done
	if v := testutil.ToFloat64(s.opts.Metrics.Requests.WithLabelValues("r", "", metrics.Canceled)); v != 1 {
		t.Fatalf("canceled requests = %v", v)
	}
	if v := testutil.ToFloat64(s.opts.Metrics.Fallbacks.WithLabelValues("r", "ta", "tb", "canceled")); v != 0 {
		t.Fatal("a cancel failed over")
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestHedgeOnTheClock checks, in virtual time, that a target silent past
// the hedge delay gets a hedge on the next target, that the hedge's
// answer is served, and that the slow attempt is cancelled without being
// held against its target.
func TestHedgeOnTheClock(t *testing.T) {
	cancelled := make(chan struct{})
	a := newUpstream(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		close(cancelled)
	})
	b := newUpstream(t, func(_ int32, w http.ResponseWriter, _ *http.Request) { answerOK(w) })
	s, fake := newGateway(t, a.URL, b.URL, "    hedge: {after: 800ms}\n    timeouts: {response: 0s}\n")

	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- post(s, chatBody) }()
	waitUntil(t, func() bool { return a.calls.Load() == 1 && fake.Pending() == 1 })
	fake.Advance(799 * time.Millisecond)
	if b.calls.Load() != 0 {
		t.Fatal("hedged before the delay")
	}
	fake.Advance(time.Millisecond)
	w := <-done
	if w.Code != 200 || w.Header().Get(HeaderTarget) != "tb" || w.Header().Get(HeaderAttempts) != "2" {
		t.Fatalf("status %d target %q attempts %q", w.Code, w.Header().Get(HeaderTarget), w.Header().Get(HeaderAttempts))
	}
	<-cancelled
	m := s.opts.Metrics
	if v := testutil.ToFloat64(m.Hedges.WithLabelValues("r", "tb", "hedge_won")); v != 1 {
		t.Fatalf("hedge_won = %v", v)
	}
	if v := testutil.ToFloat64(m.Attempts.WithLabelValues("r", "ta", "canceled")); v != 1 {
		t.Fatalf("the losing attempt was counted as %v canceled", v)
	}
	if st := s.state.Load().router.Targets()["ta"].Health.Snapshot(); st.Requests != 0 {
		t.Fatalf("the loser counted against ta's health: %+v", st)
	}
}

// TestNoHedgeWhenTheFirstTargetIsFast checks that an answer inside the
// delay starts no hedge.
func TestNoHedgeWhenTheFirstTargetIsFast(t *testing.T) {
	a := newUpstream(t, func(_ int32, w http.ResponseWriter, _ *http.Request) { answerOK(w) })
	b := newUpstream(t, func(int32, http.ResponseWriter, *http.Request) { t.Error("b was called") })
	s, _ := newGateway(t, a.URL, b.URL, "    hedge: {after: 800ms}\n")
	if w := post(s, chatBody); w.Code != 200 || w.Header().Get(HeaderTarget) != "ta" {
		t.Fatalf("status %d target %q", w.Code, w.Header().Get(HeaderTarget))
	}
}
