package provider

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// inlineTransport sends a plain-HTTP/1.1 request and reads its answer on
// the calling goroutine, over a pool of keep-alive connections; https and
// proxied requests go to fallback, net/http's own transport.
//
// net/http's transport gives every connection a read and a write
// goroutine and hands each request and answer between them and the
// caller: three goroutine switches per request, which on a loaded
// machine cost more than the gateway's own work, and two goroutine stacks
// per held-open stream. Here the caller writes the request (Request.Write)
// and parses the answer (http.ReadResponse) itself: the wire format is
// still net/http's, only the pool is ours. Plain HTTP is what a gateway
// speaks to a local model server, a service-mesh sidecar or an egress
// proxy that adds TLS; the public APIs are https, and net/http's transport
// (HTTP/2 when the provider offers it) keeps serving those.
//
// What the reader goroutine gave net/http, the pool does when it takes a
// connection: one that has been idle past idleTimeout, or that the server
// has closed or written to while idle, is dropped (checked with a
// non-blocking peek, see alive). A request that fails on a reused
// connection before any byte of an answer arrives, which is a server
// closing an idle connection as the request went out, is sent once more
// on a new connection.
type inlineTransport struct {
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	proxy       func(*http.Request) (*url.URL, error)
	fallback    http.RoundTripper
	maxIdle     int // per host
	idleTimeout time.Duration
	readBuffer  int
	now         func() time.Time

	mu   sync.Mutex
	idle map[string][]*inlineConn // by host:port, most recently used last
}

// inlineConn is a pooled connection and the buffer its answers are read
// through. Writes go through a pooled buffer: see writers.
type inlineConn struct {
	net.Conn
	key    string
	br     *bufio.Reader // reads through lim
	lim    io.LimitedReader
	idleAt time.Time
	reused bool
	t      *inlineTransport // the pool it returns to
}

// writers holds the buffers requests are written through, shared by all
// connections: a request is written at once, so a held-open stream does
// not keep one.
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, transportWriteBuffer) }}

// RoundTrip implements http.RoundTripper.
func (t *inlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || req.URL.Host == "" {
		return t.fallback.RoundTrip(req)
	}
	if t.proxy != nil {
		if u, err := t.proxy(req); err != nil || u != nil {
			return t.fallback.RoundTrip(req)
		}
	}
	ctx := req.Context()
	key := hostPort(req.URL)
	for retried := false; ; retried = true {
		c, err := t.conn(ctx, key)
		if err != nil {
			return nil, err
		}
		resp, err := c.exchange(ctx, req)
		if err == nil {
			return resp, nil
		}
		var nothing noAnswerError
		if retried || !c.reused || !errors.As(err, &nothing) || ctx.Err() != nil || req.GetBody == nil {
			return nil, err
		}
		// The server closed the idle connection as the request went out.
		body, gerr := req.GetBody()
		if gerr != nil {
			return nil, err
		}
		again := *req
		again.Body = body
		req = &again
	}
}

// hostPort is u's host with the port made explicit.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// conn returns a live idle connection to key, or a new one.
func (t *inlineTransport) conn(ctx context.Context, key string) (*inlineConn, error) {
	now := t.now()
	for {
		t.mu.Lock()
		list := t.idle[key]
		if len(list) == 0 {
			t.mu.Unlock()
			break
		}
		c := list[len(list)-1]
		list[len(list)-1] = nil
		t.idle[key] = list[:len(list)-1]
		t.mu.Unlock()
		if now.Sub(c.idleAt) < t.idleTimeout && alive(c.Conn) {
			c.reused = true
			return c, nil
		}
		c.Conn.Close()
	}
	nc, err := t.dialAside(ctx, key)
	if err != nil {
		return nil, err
	}
	c := &inlineConn{Conn: nc, key: key, t: t, lim: io.LimitedReader{R: nc, N: math.MaxInt64}}
	c.br = bufio.NewReaderSize(&c.lim, t.readBuffer)
	return c, nil
}

// maxAnswerHead bounds what is read of an answer before its body: the
// status line and headers, and any informational answers before them.
// net/http's transport bounds it too (MaxResponseHeaderBytes), the same
// way: the connection's reader is limited while the head is read.
const maxAnswerHead = 1 << 20

var errHeadTooLarge = fmt.Errorf("provider's answer headers exceed %d bytes", maxAnswerHead)

// dialAside dials on a goroutine of its own, as net/http does. The
// dialer's calls nest deep: run on the caller's goroutine they would grow
// its stack to 16 KB, which the garbage collector does not shrink back
// while a stream is held open on it, and a held stream's goroutine would
// keep 8 KB more for as long as it lasts. A new connection is rare next
// to the requests sent on pooled ones, and costs far more than one
// goroutine switch.
func (t *inlineTransport) dialAside(ctx context.Context, key string) (net.Conn, error) {
	type dialed struct {
		c   net.Conn
		err error
	}
	ch := make(chan dialed, 1)
	go func() {
		c, err := t.dial(ctx, "tcp", key)
		ch <- dialed{c, err}
	}()
	d := <-ch
	return d.c, d.err
}

// put returns c to the pool, or closes it when the pool for its host is
// full. Connections idle past idleTimeout are dropped on the way.
func (t *inlineTransport) put(c *inlineConn) {
	now := t.now()
	c.idleAt = now
	t.mu.Lock()
	if t.idle == nil {
		t.idle = make(map[string][]*inlineConn)
	}
	list := t.idle[c.key]
	stale := 0
	for stale < len(list) && now.Sub(list[stale].idleAt) >= t.idleTimeout {
		stale++
	}
	// The oldest are first: those past the timeout are closed below,
	// outside the lock.
	var drop []*inlineConn
	if stale > 0 {
		drop = slices.Clone(list[:stale])
		n := copy(list, list[stale:])
		clear(list[n:])
		list = list[:n]
	}
	if len(list) >= t.maxIdle {
		drop = append(drop, c)
	} else {
		list = append(list, c)
	}
	t.idle[c.key] = list
	t.mu.Unlock()
	for _, d := range drop {
		d.Conn.Close()
	}
}

// CloseIdleConnections closes the pooled connections and the fallback's.
func (t *inlineTransport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, list := range idle {
		for _, c := range list {
			c.Conn.Close()
		}
	}
	if f, ok := t.fallback.(interface{ CloseIdleConnections() }); ok {
		f.CloseIdleConnections()
	}
}

// canceledBy says that err came of ctx ending, when it did: the deadline
// it sets to unblock the connection surfaces as a timeout otherwise.
func canceledBy(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w (%v)", ctxErr, err)
	}
	return err
}

// noAnswerError is a failure before any byte of an answer arrived.
type noAnswerError struct{ err error }

func (e noAnswerError) Error() string { return e.err.Error() }
func (e noAnswerError) Unwrap() error { return e.err }

// aLongTimeAgo is a deadline that makes a blocked read or write on a
// connection return at once.
var aLongTimeAgo = time.Unix(1, 0)

// exchange writes req on c and reads the answer's head. On success the
// answer's body owns c; on failure c is closed.
func (c *inlineConn) exchange(ctx context.Context, req *http.Request) (*http.Response, error) {
	// Ending ctx unblocks a write or read on c; the connection is not
	// reused afterwards (stop reports false, see inlineBody.finish).
	stop := context.AfterFunc(ctx, func() { c.Conn.SetDeadline(aLongTimeAgo) })
	fail := func(err error) (*http.Response, error) {
		stop()
		c.Conn.Close()
		return nil, canceledBy(ctx, err)
	}
	bw := writers.Get().(*bufio.Writer)
	bw.Reset(c.Conn)
	err := req.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	writers.Put(bw)
	if err != nil {
		return fail(noAnswerError{err})
	}
	c.lim.N = maxAnswerHead
	if _, err := c.br.Peek(1); err != nil {
		return fail(noAnswerError{err})
	}
	resp, err := http.ReadResponse(c.br, req)
	// 1xx answers (103 Early Hints) come before the real one and have no
	// body; 101 would switch protocols, which nothing here asks for.
	for err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
		resp, err = http.ReadResponse(c.br, req)
	}
	if err != nil && c.lim.N <= 0 {
		err = errHeadTooLarge
	}
	c.lim.N = math.MaxInt64
	if err != nil {
		return fail(err)
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return fail(errors.New("provider switched protocols unasked"))
	}
	resp.Body = &inlineBody{
		body: resp.Body,
		conn: c,
		stop: stop,
		ctx:  ctx,
		keep: !resp.Close && !req.Close,
	}
	return resp, nil
}

// inlineBody is an answer's body: read to its end, it gives the
// connection back to the pool; closed before, it closes the connection
// (net/http's body would read the rest first, which for a stream is
// until the provider ends it). Close may come from another goroutine
// while Read waits.
type inlineBody struct {
	body io.ReadCloser
	conn *inlineConn
	stop func() bool
	ctx  context.Context
	keep bool

	mu  sync.Mutex
	end error // what Read returns once the connection is given up
}

func (b *inlineBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	end := b.end
	b.mu.Unlock()
	if end != nil {
		return 0, end
	}
	n, err := b.body.Read(p)
	switch {
	case err == io.EOF:
		b.finish(io.EOF, b.keep)
	case err != nil:
		err = canceledBy(b.ctx, err)
		b.finish(err, false)
	}
	return n, err
}

// Close gives the connection up: back to the pool when the body was read
// to its end, closed otherwise.
func (b *inlineBody) Close() error {
	b.finish(http.ErrBodyReadAfterClose, false)
	return nil
}

// finish gives the connection up once, keeping it when keep is true and
// ctx's watch could still be stopped.
func (b *inlineBody) finish(end error, keep bool) {
	b.mu.Lock()
	if b.end != nil {
		if end == http.ErrBodyReadAfterClose {
			b.end = end
		}
		b.mu.Unlock()
		return
	}
	b.end = end
	b.mu.Unlock()
	if b.stop() && keep {
		b.conn.t.put(b.conn)
		return
	}
	b.conn.Conn.Close()
}
