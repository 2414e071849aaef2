package probe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/provider"
	"github.com/backstophq/backstop/internal/route"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testTimeout bounds every wait for an event, so that a bug fails a test
// instead of hanging it. It is never used to let time pass: probes run on
// a fake clock that only the test moves.
const testTimeout = 10 * time.Second

// t0 is where every test's fake clock starts.
var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// recClock is a fake clock that remembers the delay of every AfterFunc,
// in the order asked, so that a test can check the waits a prober chose.
type recClock struct {
	*clock.Fake
	mu     sync.Mutex
	delays []time.Duration
}

func newRecClock() *recClock { return &recClock{Fake: clock.NewFake(t0)} }

func (c *recClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	c.mu.Lock()
	c.delays = append(c.delays, d)
	c.mu.Unlock()
	return c.Fake.AfterFunc(d, f)
}

// waits returns the delays asked so far other than except (the probe
// timeout, which the test chooses apart from every jittered wait).
func (c *recClock) waits(except time.Duration) []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Duration
	for _, d := range c.delays {
		if d != except {
			out = append(out, d)
		}
	}
	return out
}

// arrival is a request as the upstream received it.
type arrival struct {
	at     time.Time // on the fake clock
	header http.Header
	body   []byte
}

// fixture is one probed target on a real httptest upstream, with a
// prober on a fake clock.
type fixture struct {
	clk      *recClock
	target   *route.Target
	arrivals chan arrival
	results  chan Result
	prober   *Prober
	cancel   context.CancelFunc
	// quit is closed before the upstream is, so that handlers that hang
	// return.
	quit chan struct{}
}

// newFixture starts an upstream that records each request and then runs
// handler, and a prober of one target on it, started at t0. random
// defaults to 0.5 (no jitter in effect).
func newFixture(t *testing.T, s Schedule, random func() float64, handler func(f *fixture, w http.ResponseWriter, r *http.Request)) *fixture {
	t.Helper()
	if random == nil {
		random = func() float64 { return 0.5 }
	}
	f := &fixture{
		clk:      newRecClock(),
		arrivals: make(chan arrival, 64),
		results:  make(chan Result, 64),
		quit:     make(chan struct{}),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.arrivals <- arrival{at: f.clk.Now(), header: r.Header.Clone(), body: body}
		handler(f, w, r)
	}))
	t.Cleanup(srv.Close)
	p, err := provider.NewOpenAI("up", &config.Provider{Type: "openai", BaseURL: srv.URL + "/v1", MaxIdleConns: 4}, "backstop-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	t.Cleanup(func() { close(f.quit) })
	f.target = &route.Target{Name: "t", Provider: p, Model: "sim-large", Health: health.NewWindow(f.clk, 30*time.Second, 30)}
	f.prober = New([]Target{{Target: f.target, Schedule: s}}, Options{
		Clock:    f.clk,
		Random:   random,
		OnResult: func(r Result) { f.results <- r },
	})
	var ctx context.Context
	ctx, f.cancel = context.WithCancel(context.Background())
	t.Cleanup(f.cancel)
	t.Cleanup(f.prober.Stop)
	f.prober.Start(ctx)
	return f
}

// recv returns the next value of ch, or fails the test after testTimeout.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testTimeout):
		t.Fatalf("no %s within %s", what, testTimeout)
		panic("unreachable")
	}
}

// Hand-written OpenAI stream events of a one-token answer.
const (
	roleChunk    = `{"id":"c1","object":"chat.completion.chunk","model":"sim-large","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`
	contentChunk = `{"id":"c1","object":"chat.completion.chunk","model":"sim-large","choices":[{"index":0,"delta":{"content":"pong"},"finish_reason":null}]}`
	finishChunk  = `{"id":"c1","object":"chat.completion.chunk","model":"sim-large","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}`
	usageChunk   = `{"id":"c1","object":"chat.completion.chunk","model":"sim-large","choices":[],"usage":{"prompt_tokens":8,"completion_tokens":1,"total_tokens":9}}`
)

// startStream answers 200 with an event stream's headers.
func startStream(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
}

// writeEvents writes each data as one event and flushes.
func writeEvents(w http.ResponseWriter, data ...string) {
	for _, d := range data {
		fmt.Fprintf(w, "data: %s\n\n", d)
	}
	w.(http.Flusher).Flush()
}

// answer is a healthy upstream: a whole one-token stream at once.
func answer(_ *fixture, w http.ResponseWriter, _ *http.Request) {
	startStream(w)
	writeEvents(w, roleChunk, contentChunk, finishChunk, usageChunk, "[DONE]")
}

// hang never answers: it returns when the client goes or the test ends.
func hang(f *fixture, _ http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-f.quit:
	}
}
