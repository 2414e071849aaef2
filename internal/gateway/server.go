// Package gateway is Backstop's HTTP front: it takes a client's request in
// its dialect, runs it as a sequence of attempts on the targets of the
// route the client named, and answers in the client's dialect, whatever
// happened upstream.
package gateway

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/dialect"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/openai"
	"github.com/backstophq/backstop/internal/route"
)

// Options configure a Server.
type Options struct {
	// Metrics receives the gateway's metrics. Required.
	Metrics *metrics.Metrics
	// Logger receives one line per request (when LogRequests) and the
	// gateway's own events. Default: slog.Default().
	Logger *slog.Logger
	// LogRequests logs each request with its attempt chain.
	LogRequests bool
	// MaxBodyBytes caps a client's request body. Default 8 MiB.
	MaxBodyBytes int64
	// Clock is the time source of waits and measurements. Default: the
	// wall clock.
	Clock clock.Clock
}

// Server is the gateway. It serves one Router at a time; SetRouter swaps in
// a new one without disturbing requests in flight, which finish on the
// router they started with.
type Server struct {
	opts    Options
	log     *slog.Logger
	clock   clock.Clock
	state   atomic.Pointer[state]
	metrics http.Handler
	// started is when the server was made: the "last success" of a
	// target that has never served.
	started time.Time
	// draining is set when the server is shutting down: /readyz then
	// fails so that load balancers stop sending new requests.
	draining atomic.Bool
}

// state is one router with the metric instruments of its routes and
// targets, resolved once when the router is installed.
type state struct {
	router      *route.Router
	instruments map[instrumentKey]*metrics.Target
	models      []byte // GET /v1/models body
}

type instrumentKey struct {
	route  *route.Route
	target *route.Target
}

// New returns a gateway serving router.
func New(router *route.Router, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 8 << 20
	}
	s := &Server{
		opts:    opts,
		log:     opts.Logger,
		clock:   opts.Clock,
		metrics: promhttp.HandlerFor(opts.Metrics.Registry, promhttp.HandlerOpts{}),
		started: opts.Clock.Now(),
	}
	s.SetRouter(router)
	opts.Metrics.Registry.MustRegister(newHealthCollector(s))
	return s
}

// SetRouter installs a new router. Requests already running keep the one
// they started with. It returns the router it replaced, for the caller to
// Close once its requests are done.
func (s *Server) SetRouter(router *route.Router) *route.Router {
	st := &state{router: router, instruments: map[instrumentKey]*metrics.Target{}}
	for _, name := range router.Names() {
		r := router.Route(name)
		for _, t := range r.Chain(nil) {
			st.instruments[instrumentKey{r, t}] = s.opts.Metrics.For(name, t.Name)
		}
		// Weighted chains may not list every member in one call.
		for _, m := range r.Members {
			if st.instruments[instrumentKey{r, m.Target}] == nil {
				st.instruments[instrumentKey{r, m.Target}] = s.opts.Metrics.For(name, m.Target.Name)
			}
		}
		if f := r.ContextFallback; f != nil && st.instruments[instrumentKey{r, f}] == nil {
			st.instruments[instrumentKey{r, f}] = s.opts.Metrics.For(name, f.Name)
		}
	}
	st.models = openai.ModelList(router.Names(), s.clock.Now().Unix(), "backstop")
	if old := s.state.Swap(st); old != nil {
		return old.router
	}
	return nil
}

// Drain marks the server as shutting down: /readyz answers 503 from now
// on, while requests keep being served.
func (s *Server) Drain() { s.draining.Store(true) }

// ServeHTTP dispatches by path. Unknown paths and wrong methods get an
// OpenAI-shaped error, so that an SDK pointed at the gateway reports
// something readable.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/chat/completions", "/chat/completions":
		if s.method(w, r, http.MethodPost) {
			s.chat(w, r, dialect.OpenAI)
		}
	case "/v1/embeddings", "/embeddings":
		if s.method(w, r, http.MethodPost) {
			s.chat(w, r, dialect.OpenAIEmbeddings)
		}
	case "/v1/messages":
		if s.method(w, r, http.MethodPost) {
			s.chat(w, r, dialect.Anthropic)
		}
	case "/v1/messages/count_tokens":
		if s.method(w, r, http.MethodPost) {
			s.countTokens(w, r)
		}
	case "/v1/models", "/models":
		if s.method(w, r, http.MethodGet) {
			s.models(w)
		}
	case "/healthz":
		writeText(w, http.StatusOK, "ok\n")
	case "/readyz":
		if s.draining.Load() {
			writeText(w, http.StatusServiceUnavailable, "draining\n")
			return
		}
		writeText(w, http.StatusOK, "ready\n")
	case "/metrics":
		s.metrics.ServeHTTP(w, r)
	default:
		openai.WriteError(w, http.StatusNotFound, openai.Error{
			Type:    openai.TypeInvalidRequest,
			Code:    "unknown_url",
			Message: "Unknown request URL: " + r.Method + " " + r.URL.Path + ". Backstop serves POST /v1/chat/completions, POST /v1/messages, POST /v1/embeddings and GET /v1/models.",
		})
	}
}

func (s *Server) method(w http.ResponseWriter, r *http.Request, want string) bool {
	if r.Method == want {
		return true
	}
	w.Header().Set("Allow", want)
	openai.WriteError(w, http.StatusMethodNotAllowed, openai.Error{
		Type:    openai.TypeInvalidRequest,
		Code:    "method_not_allowed",
		Message: r.Method + " is not allowed on " + r.URL.Path + "; use " + want + ".",
	})
	return false
}

func (s *Server) models(w http.ResponseWriter) {
	body := s.state.Load().models
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text))
}

// since is the time elapsed from t on the server's clock.
func (s *Server) since(t time.Time) time.Duration { return s.clock.Now().Sub(t) }
