package provider

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testInline is an inline transport as newTransport builds it, with a
// clock the test moves and a fallback that records what reached it.
type testInline struct {
	*inlineTransport
	mu       sync.Mutex
	at       time.Time
	fellBack []string
}

func newTestInline(t *testing.T, maxIdle int) *testInline {
	ti := &testInline{at: time.Unix(1_700_000_000, 0)}
	dialer := &net.Dialer{}
	ti.inlineTransport = &inlineTransport{
		dial:        dialer.DialContext,
		maxIdle:     maxIdle,
		idleTimeout: 90 * time.Second,
		readBuffer:  transportReadBuffer,
		now: func() time.Time {
			ti.mu.Lock()
			defer ti.mu.Unlock()
			return ti.at
		},
		fallback: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			ti.mu.Lock()
			ti.fellBack = append(ti.fellBack, r.URL.String())
			ti.mu.Unlock()
			return nil, errors.New("fallback")
		}),
	}
	t.Cleanup(ti.CloseIdleConnections)
	return ti
}

func (ti *testInline) advance(d time.Duration) {
	ti.mu.Lock()
	ti.at = ti.at.Add(d)
	ti.mu.Unlock()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// post sends body to url through rt and returns the answer's body.
func post(t *testing.T, rt http.RoundTripper, ctx context.Context, url, body string) (string, error) {
	t.Helper()
	req, release, err := newPost(ctx, url, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// countingServer is an httptest server that counts the connections
// clients opened, and tells of each one closed on closed.
func countingServer(t *testing.T, h http.HandlerFunc) (srv *httptest.Server, opened *atomic.Int32, closed <-chan struct{}) {
	opened = new(atomic.Int32)
	gone := make(chan struct{}, 64)
	srv = httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			opened.Add(1)
		case http.StateClosed, http.StateHijacked:
			select {
			case gone <- struct{}{}:
			default:
			}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, opened, gone
}

// closedOnce waits for one connection to be closed, then checks that no
// other one has been.
func closedOnce(t *testing.T, closed <-chan struct{}) {
	t.Helper()
	select {
	case <-closed:
	case <-time.After(10 * time.Second): // a deadline, not a measurement
		t.Fatal("no connection was closed")
	}
	select {
	case <-closed:
		t.Fatal("two connections closed, want one")
	default:
	}
}

func TestInlineReusesConnectionForWholeAnswers(t *testing.T) {
	srv, opened, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Query().Get("chunked") != "" {
			_, _ = w.Write(b[:1])
			w.(http.Flusher).Flush() // chunked from here
		} else {
			b = append([]byte{'='}, b...)
		}
		_, _ = w.Write(b)
	})
	ti := newTestInline(t, 4)
	for i, path := range []string{"/a", "/b?chunked=1", "/c", "/d?chunked=1"} {
		got, err := post(t, ti, context.Background(), srv.URL+path, "xyz")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if want := map[bool]string{false: "=xyz", true: "xxyz"}[strings.Contains(path, "chunked")]; got != want {
			t.Fatalf("request %d got %q, want %q", i, got, want)
		}
	}
	if n := opened.Load(); n != 1 {
		t.Fatalf("%d connections for four requests read to the end, want 1", n)
	}
}

func TestInlineClosesConnectionOnEarlyClose(t *testing.T) {
	gone := make(chan struct{})
	srv, opened, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			_, _ = io.WriteString(w, "data: 1\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done() // the client going away ends it
			close(gone)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	ti := newTestInline(t, 4)
	req, release, _ := newPost(context.Background(), srv.URL+"/stream", []byte(`{}`))
	defer release()
	resp, err := ti.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if n, err := resp.Body.Read(buf); err != nil || !strings.HasPrefix(string(buf[:n]), "data: 1") {
		t.Fatalf("first read %q, %v", buf[:n], err)
	}
	// net/http's body would read to the end first: a stream's end.
	resp.Body.Close()
	<-gone
	if _, err := resp.Body.Read(buf); err == nil {
		t.Fatal("read after Close succeeded")
	}
	if got, err := post(t, ti, context.Background(), srv.URL+"/next", "x"); err != nil || got != "ok" {
		t.Fatalf("next request: %q, %v", got, err)
	}
	if n := opened.Load(); n != 2 {
		t.Fatalf("%d connections, want 2: a half-read answer's connection is not reused", n)
	}
}

// rawServer serves the connections it accepts, the i-th with serve[i],
// and fails the test on one more.
func rawServer(t *testing.T, serve ...func(c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if i >= len(serve) {
				t.Errorf("connection %d: only %d expected", i+1, len(serve))
				c.Close()
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve[i](c, bufio.NewReader(c))
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// readRequest reads one request and its body, or returns "" at EOF.
func readRequest(t *testing.T, br *bufio.Reader) string {
	req, err := http.ReadRequest(br)
	if err != nil {
		return ""
	}
	b, err := io.ReadAll(req.Body)
	if err != nil {
		t.Errorf("request body: %v", err)
	}
	return req.URL.Path + " " + string(b)
}

func answer(c net.Conn, body string) {
	_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n"+body)
}

func TestInlineSendsAgainWhenAPooledConnectionWasClosed(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	record := func(s string) {
		mu.Lock()
		seen = append(seen, s)
		mu.Unlock()
	}
	base := rawServer(t,
		func(c net.Conn, br *bufio.Reader) {
			record(readRequest(t, br))
			answer(c, "one")
			// Reads the second request, then closes as an idle timeout
			// would: no byte of an answer.
			record(readRequest(t, br))
		},
		func(c net.Conn, br *bufio.Reader) {
			record(readRequest(t, br))
			answer(c, "two")
		},
	)
	ti := newTestInline(t, 4)
	if got, err := post(t, ti, context.Background(), base+"/1", "a"); err != nil || got != "one" {
		t.Fatalf("first: %q, %v", got, err)
	}
	if got, err := post(t, ti, context.Background(), base+"/2", "b"); err != nil || got != "two" {
		t.Fatalf("second: %q, %v", got, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, "|") != "/1 a|/2 b|/2 b" {
		t.Fatalf("server saw %q", seen)
	}
}

func TestInlineDoesNotSendAgainOnANewConnectionOrAfterAnAnswerBegan(t *testing.T) {
	t.Run("new connection", func(t *testing.T) {
		base := rawServer(t, func(c net.Conn, br *bufio.Reader) { readRequest(t, br) })
		ti := newTestInline(t, 4)
		if _, err := post(t, ti, context.Background(), base+"/1", "a"); err == nil {
			t.Fatal("no error from a connection closed without an answer")
		}
	})
	t.Run("answer began", func(t *testing.T) {
		base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
			readRequest(t, br)
			answer(c, "one")
			readRequest(t, br)
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Le")
		})
		ti := newTestInline(t, 4)
		if got, err := post(t, ti, context.Background(), base+"/1", "a"); err != nil || got != "one" {
			t.Fatalf("first: %q, %v", got, err)
		}
		if _, err := post(t, ti, context.Background(), base+"/2", "b"); err == nil {
			t.Fatal("no error from a cut answer head")
		}
	})
}

func TestInlineDropsConnectionsIdlePastTimeout(t *testing.T) {
	srv, opened, closed := countingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	ti := newTestInline(t, 4)
	for i := range 2 {
		if got, err := post(t, ti, context.Background(), srv.URL, "x"); err != nil || got != "ok" {
			t.Fatalf("request %d: %q, %v", i, got, err)
		}
		ti.advance(ti.idleTimeout)
	}
	if n := opened.Load(); n != 2 {
		t.Fatalf("%d connections, want 2: one idle past the timeout is not reused", n)
	}
	closedOnce(t, closed) // the stale one
}

func TestInlineKeepsAtMostMaxIdle(t *testing.T) {
	release := make(chan struct{})
	var inflight sync.WaitGroup
	inflight.Add(3)
	srv, opened, closed := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		inflight.Done()
		<-release
		_, _ = io.WriteString(w, "ok")
	})
	ti := newTestInline(t, 2)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if got, err := post(t, ti, context.Background(), srv.URL, "x"); err != nil || got != "ok" {
				t.Errorf("got %q, %v", got, err)
			}
		})
	}
	inflight.Wait()
	close(release)
	wg.Wait()
	if n := opened.Load(); n != 3 {
		t.Fatalf("%d connections for three requests at once, want 3", n)
	}
	closedOnce(t, closed) // the third, for which the pool had no room
}

func TestInlineConnectionCloseIsNotPooled(t *testing.T) {
	srv, opened, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, "ok")
	})
	ti := newTestInline(t, 4)
	for range 2 {
		if got, err := post(t, ti, context.Background(), srv.URL, "x"); err != nil || got != "ok" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	if n := opened.Load(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

func TestInlineSkipsInformationalAnswers(t *testing.T) {
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		readRequest(t, br)
		_, _ = io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n")
		answer(c, "final")
	})
	ti := newTestInline(t, 4)
	if got, err := post(t, ti, context.Background(), base+"/", "a"); err != nil || got != "final" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestInlineCancelUnblocksHeadAndBody(t *testing.T) {
	asked := make(chan struct{}, 2)
	hold := make(chan struct{})
	defer close(hold)
	srv, _, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			_, _ = io.WriteString(w, "data: 1\n\n")
			w.(http.Flusher).Flush()
		}
		asked <- struct{}{}
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	})
	ti := newTestInline(t, 4)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := post(t, ti, ctx, srv.URL+"/head", "x")
		done <- err
	}()
	<-asked
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting for the head: %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	req, release, _ := newPost(ctx, srv.URL+"/stream", []byte("x"))
	defer release()
	resp, err := ti.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	<-asked
	buf := make([]byte, 64)
	if _, err := resp.Body.Read(buf); err != nil {
		t.Fatal(err)
	}
	go cancel()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting for a chunk: %v, want context.Canceled", err)
	}
	resp.Body.Close()
	ti.mu.Lock()
	defer ti.mu.Unlock()
	for _, list := range ti.idle {
		if len(list) > 0 {
			t.Fatalf("a canceled exchange's connection was pooled")
		}
	}
}

func TestInlineCloseWhileReading(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	srv, _, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	})
	ti := newTestInline(t, 4)
	req, release, _ := newPost(context.Background(), srv.URL, []byte("x"))
	defer release()
	resp, err := ti.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(resp.Body)
		got <- err
	}()
	resp.Body.Close()
	if err := <-got; err == nil {
		t.Fatal("read of a closed body ended without an error")
	}
}

func TestInlineLeavesHTTPSAndProxiedToFallback(t *testing.T) {
	ti := newTestInline(t, 4)
	proxied, _ := url.Parse("http://proxy.internal:3128")
	ti.proxy = func(r *http.Request) (*url.URL, error) {
		if r.URL.Host == "behind.proxy" {
			return proxied, nil
		}
		return nil, nil
	}
	for _, u := range []string{"https://api.example/v1/chat/completions", "http://behind.proxy/v1"} {
		if _, err := post(t, ti, context.Background(), u, "x"); err == nil || err.Error() != "fallback" {
			t.Fatalf("%s: %v, want the fallback's error", u, err)
		}
	}
	if len(ti.fellBack) != 2 {
		t.Fatalf("fallback saw %v", ti.fellBack)
	}
}

// The gateway reads an answer of known length with io.ReadFull, never
// asking past its end: the connection is reused all the same.
func TestInlineReusesConnectionAfterExactRead(t *testing.T) {
	srv, opened, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "exact") })
	ti := newTestInline(t, 4)
	for range 3 {
		req, release, _ := newPost(context.Background(), srv.URL, []byte("x"))
		resp, err := ti.RoundTrip(req)
		release()
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, resp.ContentLength)
		if _, err := io.ReadFull(resp.Body, body); err != nil || string(body) != "exact" {
			t.Fatalf("%q, %v", body, err)
		}
		resp.Body.Close()
	}
	if n := opened.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

func TestInlineBoundsAnswerHead(t *testing.T) {
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		readRequest(t, br)
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\n")
		line := "X-Filler: " + strings.Repeat("f", 1000) + "\r\n"
		for range maxAnswerHead/len(line) + 1 {
			if _, err := io.WriteString(c, line); err != nil {
				return // the client gave up, as it should
			}
		}
		_, _ = io.WriteString(c, "Content-Length: 2\r\n\r\nok")
	})
	ti := newTestInline(t, 4)
	if _, err := post(t, ti, context.Background(), base+"/", "a"); !errors.Is(err, errHeadTooLarge) {
		t.Fatalf("got %v, want errHeadTooLarge", err)
	}
}
