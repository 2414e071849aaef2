package mock

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// After answering a request whose body hit the size limit, net/http
	// half-closes the connection and lingers 500 ms on purpose (see
	// closeWriteAndWait); that goroutine ends by itself, later than goleak
	// waits.
	// google.golang.org/genai's dependencies start opencensus's stats
	// worker from an init function; it lives as long as the process.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.(*conn).closeWriteAndWait"),
		goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start"))
}

// testTimeout bounds every wait in these tests, so that a bug fails the
// test instead of hanging it. It is never used to let time pass.
const testTimeout = 10 * time.Second

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func newSim(t *testing.T, opts Options) *Simulator {
	t.Helper()
	sim := New(opts)
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

func start(t *testing.T, sim *Simulator, name string, opts ...ProviderOption) *Provider {
	t.Helper()
	p, err := sim.Start(name, "127.0.0.1:0", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// httpClient has its own transport, whose idle connections are closed when
// the test ends, so that no client goroutine outlives it.
func httpClient(t *testing.T) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func sdk(t *testing.T, p *Provider) openai.Client {
	return openai.NewClient(
		option.WithBaseURL(p.URL()),
		option.WithAPIKey("test"),
		option.WithMaxRetries(0),
		option.WithHTTPClient(httpClient(t)),
	)
}

// post sends body to the provider's path and returns the status, headers
// and whole body.
func post(t *testing.T, hc *http.Client, p *Provider, path, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodPost, "http://"+p.Addr()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
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

func userParams(text string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(text)},
	}
}

const helloBody = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}`
const helloStreamBody = `{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello"}]}`

// sseEvents splits a stream body into its data payloads.
func sseEvents(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	for ev := range strings.SplitSeq(strings.TrimSuffix(string(b), "\n\n"), "\n\n") {
		data, ok := strings.CutPrefix(ev, "data: ")
		if !ok {
			t.Fatalf("event without data: %q", ev)
		}
		out = append(out, data)
	}
	return out
}

// eventReader delivers a stream's data payloads on a channel as they arrive,
// and closes it at the end of the body; err is the read error, if any.
type eventReader struct {
	events chan string
	done   chan struct{}
	err    error
}

func readEvents(body io.Reader) *eventReader {
	er := &eventReader{events: make(chan string, 1024), done: make(chan struct{})}
	go func() {
		defer close(er.done)
		defer close(er.events)
		sc := bufio.NewScanner(body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				er.events <- data
			}
		}
		er.err = sc.Err()
	}()
	return er
}

func (er *eventReader) next(t *testing.T) string {
	t.Helper()
	select {
	case ev, ok := <-er.events:
		if !ok {
			t.Fatalf("stream ended early (err %v)", er.err)
		}
		return ev
	case <-time.After(testTimeout):
		t.Fatal("no event")
	}
	return ""
}

// fakeClock is a Clock that moves only when told to. Every After call is
// reported on waits, so a test knows when a provider has started waiting.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	waits   chan time.Duration
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), waits: make(chan time.Duration, 4096)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
	} else {
		c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	}
	c.waits <- d
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
		} else {
			w.ch <- c.now
		}
	}
	c.waiters = kept
}

// nextWait returns the duration of the next After call.
func (c *fakeClock) nextWait(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.waits:
		return d
	case <-time.After(testTimeout):
		t.Fatal("nobody waited on the clock")
	}
	return 0
}

func contains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }
