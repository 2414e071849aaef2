package mock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ProviderOption configures one provider in Simulator.Start.
type ProviderOption func(*providerConfig)

type providerConfig struct {
	tokens     int
	namePrefix bool
	models     []string
	keys       []string
	fault      Fault
	noTools    bool
	region     string // Bedrock's SigV4 scope, when set
}

// defaultModels is what GET /v1/models lists unless WithModels says
// otherwise. Chat and embeddings accept any model name and echo it.
var defaultModels = []string{"gpt-4o", "gpt-4o-mini", "text-embedding-3-small"}

// WithTokens sets the length, in tokens, of the provider's text answers
// (before max_tokens caps it). Default: Options.Tokens.
func WithTokens(n int) ProviderOption { return func(c *providerConfig) { c.tokens = n } }

// WithoutNamePrefix stops text answers from starting with "[name]". By
// default they do, so that a test can see which provider answered.
func WithoutNamePrefix() ProviderOption { return func(c *providerConfig) { c.namePrefix = false } }

// WithModels sets the model ids that GET /v1/models lists.
func WithModels(ids ...string) ProviderOption {
	return func(c *providerConfig) { c.models = append([]string(nil), ids...) }
}

// WithAPIKeys makes the provider answer 401 invalid_api_key unless the
// request has "Authorization: Bearer <one of keys>" (on the Anthropic paths:
// 401 authentication_error unless "x-api-key: <one of keys>"; on the Gemini
// paths: 400 API_KEY_INVALID unless x-goog-api-key or ?key= is one). By
// default any key, or none, is accepted, except on the Gemini paths, which
// want some key, as Google does.
func WithAPIKeys(keys ...string) ProviderOption {
	return func(c *providerConfig) { c.keys = append([]string(nil), keys...) }
}

// WithoutToolCalls makes the provider answer with text even when a
// request offers tools, for clients that offer tools on every request
// (Claude Code) when a test wants a plain answer rather than a tool run.
// By default a user turn with tools gets a tool call.
func WithoutToolCalls() ProviderOption { return func(c *providerConfig) { c.noTools = true } }

// WithFault starts the provider with a fault already set.
func WithFault(f Fault) ProviderOption { return func(c *providerConfig) { c.fault = f } }

// Provider is one simulated OpenAI-compatible provider on its own address.
// Its methods are safe for concurrent use.
type Provider struct {
	sim     *Simulator
	name    string
	cfg     providerConfig
	addr    string // the resolved listen address; the same across Down
	content content
	stats   recorder

	// fault is read once per request, without a lock; nil means none.
	fault atomic.Pointer[Fault]

	mu     sync.Mutex // guards srv and closed; serializes listener changes
	srv    *serverGen // nil while Down or after close
	closed bool

	drawMu sync.Mutex // guards draw
	draw   *rand.Rand // decides, per request in arrival order, if the fault applies
	seq    atomic.Uint64

	gateMu     sync.Mutex // guards gateClosed and handlers.Add
	gateClosed bool
	handlers   sync.WaitGroup
}

// serverGen is one period during which the provider listens. Down ends it;
// clearing Down starts a new one on the same address.
type serverGen struct {
	srv    *http.Server
	cancel context.CancelFunc // ends every request of this period, hangs included
	done   chan struct{}      // closed when Serve has returned
}

func newProvider(s *Simulator, name string, cfg providerConfig, ln net.Listener) *Provider {
	h := hashString(name)
	p := &Provider{
		sim:     s,
		name:    name,
		cfg:     cfg,
		addr:    ln.Addr().String(),
		content: content{seed: s.opts.Seed, name: name, tokens: cfg.tokens, prefix: cfg.namePrefix, noTools: cfg.noTools},
		stats:   newRecorder(s.opts.Recent),
		draw:    rand.New(rand.NewPCG(s.opts.Seed, h)),
	}
	p.srv = p.serve(ln)
	return p
}

func (p *Provider) serve(ln net.Listener) *serverGen {
	ctx, cancel := context.WithCancel(context.Background())
	g := &serverGen{
		srv: &http.Server{
			Handler:           p,
			ReadHeaderTimeout: 30 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return ctx },
		},
		cancel: cancel,
		done:   make(chan struct{}),
	}
	go func() {
		defer close(g.done)
		_ = g.srv.Serve(ln)
	}()
	return g
}

// stop closes the listener and every connection and ends the period's
// requests; it returns once Serve has returned.
func (g *serverGen) stop() {
	_ = g.srv.Close() // first, so that no handler woken below can answer
	g.cancel()
	<-g.done
}

// Name is the provider's name.
func (p *Provider) Name() string { return p.name }

// Addr is the provider's listen address, host:port.
func (p *Provider) Addr() string { return p.addr }

// URL is the provider's OpenAI base URL, "http://host:port/v1".
func (p *Provider) URL() string { return "http://" + p.addr + "/v1" }

// Fault is the provider's current fault; the zero Fault when none.
func (p *Provider) Fault() Fault {
	if f := p.fault.Load(); f != nil {
		return *f
	}
	return Fault{}
}

// SetFault replaces the provider's fault; requests that arrive afterwards
// see it, requests in flight keep the fault they started with. Setting Down
// closes the listener and every open connection; replacing a Down fault by
// one without Down listens again on the same address, and fails if that
// address has been taken meanwhile (the provider then stays down).
func (p *Provider) SetFault(f Fault) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("mock: provider %q: fault: %w", p.name, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	switch {
	case f.Down && p.srv != nil:
		p.srv.stop()
		p.srv = nil
	case !f.Down && p.srv == nil:
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("mock: provider %q: listen again: %w", p.name, err)
		}
		p.srv = p.serve(ln)
	}
	if f.IsZero() {
		p.fault.Store(nil)
	} else {
		p.fault.Store(&f)
	}
	return nil
}

// ClearFault removes the provider's fault; see SetFault.
func (p *Provider) ClearFault() error { return p.SetFault(Fault{}) }

// Stats is a snapshot of what the provider has received since it started
// or since ResetStats.
func (p *Provider) Stats() Stats { return p.stats.snapshot() }

// ResetStats forgets counts and recorded requests.
func (p *Provider) ResetStats() { p.stats.reset() }

// WaitRequests returns once the provider has received n requests since it
// started or since ResetStats, or with ctx's error.
func (p *Provider) WaitRequests(ctx context.Context, n int64) error {
	return p.stats.wait(ctx, func() bool { return p.stats.requests >= n })
}

// WaitIdle returns once no request is in flight (every request has been
// answered, aborted or given up; net/http may still be closing the
// connection), or with ctx's error. A test uses it to see that a hang ended
// when its client went away, and before asserting on Stats.ByStatus.
func (p *Provider) WaitIdle(ctx context.Context) error {
	return p.stats.wait(ctx, func() bool { return p.stats.inFlight == 0 })
}

// close stops the provider for good and waits for its handlers to return.
func (p *Provider) close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		if p.srv != nil {
			p.srv.stop()
			p.srv = nil
		}
	}
	p.mu.Unlock()
	p.gateMu.Lock()
	p.gateClosed = true
	p.gateMu.Unlock()
	p.handlers.Wait()
}

// enter counts a handler in, unless the provider is closed, so that close
// can wait for every handler without racing a late one.
func (p *Provider) enter() bool {
	p.gateMu.Lock()
	defer p.gateMu.Unlock()
	if p.gateClosed {
		return false
	}
	p.handlers.Add(1)
	return true
}

// decide draws, in request order, whether the current fault applies to
// this request, and returns it if so. It draws for every request, fault or
// not, so that one request's draw does not depend on earlier faults.
func (p *Provider) decide() *Fault {
	f := p.fault.Load()
	p.drawMu.Lock()
	u := p.draw.Float64()
	p.drawMu.Unlock()
	if f == nil || u >= f.share() {
		return nil
	}
	return f
}

// exchange is one request being answered.
type exchange struct {
	p     *Provider
	w     *statusWriter
	rc    *http.ResponseController
	r     *http.Request
	body  []byte
	fault *Fault // nil when no fault applies
	n     uint64 // the provider's request sequence number, from 1

	hijacked bool // the connection is no longer net/http's
}

// ServeHTTP answers one request: record it, apply the fault that applies,
// then answer in the dialect of the path (Anthropic's on /v1/messages and
// below, Bedrock's on /model/..., OpenAI's elsewhere).
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !p.enter() {
		writeError(w, errServiceUnavailable())
		return
	}
	defer p.handlers.Done()

	n := p.seq.Add(1)
	w.Header().Set("X-Request-Id", fmt.Sprintf("req_%016x%08x", hashString(p.name), n))
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, p.sim.opts.MaxBodyBytes))
	sw := &statusWriter{ResponseWriter: w}
	rec := p.stats.begin(r, body, p.sim.opts.Clock.Now())
	defer func() { p.stats.finish(rec, sw.status) }()
	if readErr != nil {
		var tooBig *http.MaxBytesError
		if errors.As(readErr, &tooBig) {
			switch {
			case isAnthropicPath(r.URL.Path):
				writeAnthropicError(sw, errMessageTooLarge(tooBig.Limit))
			case isBedrockPath(r.URL.Path):
				writeBedrockError(sw, bedrockError{status: http.StatusRequestEntityTooLarge, exception: "ValidationException",
					message: fmt.Sprintf("Input is too long: the limit is %d bytes.", tooBig.Limit)})
			case isGeminiPath(r.URL.Path):
				writeGeminiError(sw, &geminiError{Code: http.StatusRequestEntityTooLarge, Status: "INVALID_ARGUMENT",
					Message: fmt.Sprintf("Request payload size exceeds the limit: %d bytes.", tooBig.Limit)})
			default:
				writeError(sw, errTooLarge(tooBig.Limit))
			}
		}
		return // otherwise the client went away while sending
	}

	x := &exchange{p: p, w: sw, rc: http.NewResponseController(sw), r: r, body: body, n: n}
	if x.fault = p.decide(); x.fault != nil {
		p.stats.faulted(rec)
	}
	x.answer()
	// A wait or hang that ended because the request's context did (the
	// client left, the provider went down or closed) must not end in a
	// clean response: returning would send an empty 200, or end a stream
	// cleanly without [DONE].
	if r.Context().Err() != nil && !x.hijacked {
		panic(http.ErrAbortHandler)
	}
}

func (x *exchange) answer() {
	if x.fault != nil && x.earlyFault() {
		return
	}
	if isAnthropicPath(x.r.URL.Path) {
		x.anthropic()
		return
	}
	if deployment, op, ok := azureRoute(x.r.URL.Path); ok {
		x.azure(deployment, op)
		return
	}
	if isGeminiPath(x.r.URL.Path) {
		x.gemini()
		return
	}
	if isBedrockPath(x.r.URL.Path) {
		x.bedrock()
		return
	}
	if aerr := x.p.authorize(x.r); aerr != nil {
		writeError(x.w, aerr)
		return
	}
	x.route()
}

// earlyFault applies the stages of the fault that come before a normal
// answer (see Fault) and reports whether the exchange is over.
func (x *exchange) earlyFault() bool {
	f := x.fault
	if !x.sleep(f.Latency.D()) {
		return true
	}
	switch {
	case f.Reset:
		x.reset()
	case f.HangBeforeHeaders:
		<-x.r.Context().Done()
	case f.Status != 0 && isAnthropicPath(x.r.URL.Path):
		x.writeMessageStatusFault()
	case f.Status != 0 && isGeminiPath(x.r.URL.Path):
		x.writeGeminiStatusFault()
	case f.Status != 0 && isBedrockPath(x.r.URL.Path):
		x.writeBedrockStatusFault()
	case f.Status != 0:
		x.writeStatusFault()
	default:
		return false
	}
	return true
}

// sleep waits d on the simulator's clock and reports whether the client is
// still there afterwards.
func (x *exchange) sleep(d time.Duration) bool {
	ctx := x.r.Context()
	if d > 0 {
		select {
		case <-x.p.sim.opts.Clock.After(d):
		case <-ctx.Done():
		}
	}
	return ctx.Err() == nil
}

// reset resets the TCP connection without a response.
func (x *exchange) reset() {
	conn, _, err := x.rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // closes the connection, the next best thing
	}
	x.hijacked = true
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // Close sends RST instead of FIN
	}
	_ = conn.Close()
}

// abort closes the connection abruptly after whatever was sent, so the
// client reads an unexpected EOF. It does not return.
func (x *exchange) abort() {
	_ = x.rc.Flush()
	panic(http.ErrAbortHandler)
}

func (x *exchange) route() {
	path, method := x.r.URL.Path, x.r.Method
	want := http.MethodPost
	var serve func()
	switch {
	case path == "/v1/chat/completions":
		serve = x.chat
	case path == "/v1/embeddings":
		serve = x.embeddings
	case path == "/v1/models":
		want, serve = http.MethodGet, x.models
	case strings.HasPrefix(path, "/v1/models/"):
		want, serve = http.MethodGet, x.model
	default:
		writeError(x.w, errInvalidURL(method, path, http.StatusNotFound))
		return
	}
	if method != want {
		writeError(x.w, errInvalidURL(method, path, http.StatusMethodNotAllowed))
		return
	}
	serve()
}

// authorize checks the bearer key when the provider has keys.
func (p *Provider) authorize(r *http.Request) *apiError {
	if len(p.cfg.keys) == 0 {
		return nil
	}
	auth := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || key == "" {
		return errNoAPIKey()
	}
	for _, k := range p.cfg.keys {
		if k == key {
			return nil
		}
	}
	return errBadAPIKey(key)
}

// statusWriter remembers the status sent, for the stats. Flush and Hijack
// reach the real writer through Unwrap and http.ResponseController.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
