// Package route turns the config's routes into what the gateway runs: for
// each route, its targets with their providers, the order a request tries
// them in, and the route's retry policy, timeouts and headers.
package route

import (
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/backstophq/backstop/internal/breaker"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/provider"
	"github.com/backstophq/backstop/internal/retry"
)

// Target is a model on a provider, ready to be called.
type Target struct {
	Name     string
	Provider provider.Provider
	// Model is the model name sent upstream; QuotedModel is the same as a
	// JSON string literal, made once so that rewriting a body costs no
	// encoding.
	Model       string
	QuotedModel []byte
	// Dialect is the wire format the provider speaks for Model (see
	// provider.DialectOf), e.g. "openai"; "" is read as OpenAI's.
	Dialect string
	Tier    string
	// FirstToken overrides the route's first-token timeout when > 0.
	FirstToken time.Duration
	// Health is the target's passive health: every attempt on it, from
	// any route, is recorded there.
	Health *health.Window
	// Price is per million tokens, in USD.
	Price config.Price
	// Prefill says the target continues a trailing assistant message.
	Prefill bool
	// Caps are what requests the target can serve.
	Caps Capabilities
	// identity is what must stay the same across a reload for the
	// target's health to carry over: its provider's type and endpoint,
	// and its model.
	identity string
	// InFlight counts the attempts on the target now under way.
	InFlight atomic.Int64
	// Breakers are the target's breakers, one per route that uses it.
	Breakers []*breaker.Breaker
	// ttft is the target's TTFT percentiles at the last table update.
	ttft atomic.Pointer[health.Percentiles]
}

// Speaks is the wire format of requests to t: Dialect, or, for a Target
// built without one (by hand, in tests), what its provider speaks for
// Model.
func (t *Target) Speaks() string {
	if t.Dialect != "" || t.Provider == nil {
		return t.Dialect
	}
	return provider.DialectOf(t.Provider, t.Model)
}

// Member is a primary target of a route with its base weight.
type Member struct {
	Target *Target
	Weight int
}

// Timeouts are a route's timeouts as durations. 0 means no limit.
type Timeouts struct {
	// Connect bounds the TCP and TLS handshake of an attempt.
	Connect time.Duration
	// FirstToken bounds a streamed attempt until its first content chunk.
	FirstToken time.Duration
	// Response bounds a non-streamed attempt until its response headers,
	// which providers send only once the whole answer is ready.
	Response time.Duration
	// Idle bounds the gap between two chunks, or the time to read a
	// non-streamed body after its headers.
	Idle time.Duration
	// Total bounds the request: every attempt and wait together.
	Total time.Duration
}

// Route is a compiled route. It is immutable once built and safe for
// concurrent use.
type Route struct {
	Name      string
	Strategy  Strategy
	Members   []Member
	Fallbacks []*Target
	// ContextFallback takes the requests too long for the targets they
	// would otherwise use (by estimate, or refused by a provider as over
	// its context length); nil when the route has none.
	ContextFallback *Target
	Retry           *retry.Policy
	Timeouts        Timeouts
	// Headers are the canonical names of the request headers copied to
	// every attempt: the built-in set, the config's global list and the
	// route's own.
	Headers []string
	// Exhausted is the polite answer given when every attempt failed; ""
	// means answer with an error.
	Exhausted string
	// ExhaustedRetryAfter is the Retry-After of the error form.
	ExhaustedRetryAfter time.Duration
	// Breakers holds the circuit breaker of each target of the route.
	Breakers map[*Target]*breaker.Breaker
	// breakerConfig is what Breakers were built from, so that a reload
	// can tell whether a breaker may carry over.
	breakerConfig config.Breaker
	// SLA is what the route's targets are scored against.
	SLA health.SLA
	// MaxStep bounds how far a live weight moves per table update, as a
	// share of its base weight.
	MaxStep float64
	// Drill is the share of requests that start on a fallback while the
	// primary is healthy.
	Drill float64
	// Hedge is the route's hedging policy; nil when it does not hedge.
	Hedge *Hedge
	// ContinueOnCut continues a stream that broke after commit on a
	// prefill-capable target of the chain.
	ContinueOnCut bool
	// Random returns a uniform float in [0,1) for drills; nil means
	// math/rand/v2.
	Random func() float64

	drills atomic.Uint64 // counts drills, to take the fallbacks in turn

	// live is the route's part of the routing table in force.
	live atomic.Pointer[RouteState]
}

// MaxChain bounds the targets of one route, so that a request's chain fits
// in a fixed array on the request path.
const MaxChain = 16

// Chain returns the targets one request tries, in order: the primary
// targets as the strategy orders them, then the fallbacks; targets that a
// shared table marks down go after those, and targets whose breaker is
// open go last, the one that reopens soonest first, so that they are
// tried only when every other target has failed. It appends to dst,
// which the caller may back with a fixed array.
func (r *Route) Chain(dst []*Target) []*Target {
	start := len(dst)
	live := r.liveWeights()
	dst = r.Strategy.Order(dst, r.Members, live)
	dst = append(dst, r.Fallbacks...)
	if r.Breakers == nil && live == nil {
		return dst
	}
	// A stable partition, in place: closed and half-open targets keep
	// their order at the front; down ones follow, then open ones,
	// soonest to reopen first. Chains are short (at most MaxChain), so
	// insertion is cheapest.
	chain := dst[start:]
	n := 0
	var down, open [MaxChain]*Target
	var reopens [MaxChain]time.Time
	d, k := 0, 0
	for _, t := range chain {
		b := r.Breakers[t]
		if b == nil || b.State() != breaker.Open {
			if isDown(live, t) {
				down[d] = t
				d++
				continue
			}
			chain[n] = t
			n++
			continue
		}
		at := b.Snapshot().ReopensAt
		i := k
		for i > 0 && reopens[i-1].After(at) {
			open[i], reopens[i] = open[i-1], reopens[i-1]
			i--
		}
		open[i], reopens[i] = t, at
		k++
	}
	copy(chain[n:], down[:d])
	copy(chain[n+d:], open[:k])
	return dst
}

// Plan returns the chain of one request, as Chain does, except that a
// share Drill of requests starts on a fallback, each in turn, while the
// chain's first target has a closed breaker. drill reports such a
// request.
func (r *Route) Plan(dst []*Target) (chain []*Target, drill bool) {
	start := len(dst)
	chain = r.Chain(dst)
	if r.Drill <= 0 || len(r.Fallbacks) == 0 {
		return chain, false
	}
	random := r.Random
	if random == nil {
		random = rand.Float64
	}
	if random() >= r.Drill {
		return chain, false
	}
	if b := r.Breakers[chain[start]]; b != nil && b.State() != breaker.Closed {
		return chain, false
	}
	f := r.Fallbacks[int(r.drills.Add(1)-1)%len(r.Fallbacks)]
	// Move f to the front of the request's part of the chain.
	own := chain[start:]
	for i, t := range own {
		if t == f {
			copy(own[1:i+1], own[:i])
			own[0] = f
			break
		}
	}
	return chain, true
}

// Breaker returns the breaker of target t on this route, or nil.
func (r *Route) Breaker(t *Target) *breaker.Breaker { return r.Breakers[t] }

// FirstToken is the first-token timeout of an attempt on t: the time to
// the first content chunk of a stream, or to the headers of a
// non-streamed answer.
func (r *Route) FirstToken(t *Target, stream bool) time.Duration {
	if !stream {
		return r.Timeouts.Response
	}
	if t.FirstToken > 0 {
		return t.FirstToken
	}
	return r.Timeouts.FirstToken
}

// BuiltinHeaders reach every attempt of every route: the request id, the
// caller's user and session ids and the W3C trace context.
var BuiltinHeaders = []string{"X-Request-Id", "Traceparent", "Tracestate", "X-User-Id", "X-Session-Id"}

// headerList merges header name lists into canonical, de-duplicated form.
func headerList(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, h := range l {
			c := http.CanonicalHeaderKey(h)
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

func timeouts(t config.Timeouts) Timeouts {
	return Timeouts{Connect: t.Connect.D(), FirstToken: t.FirstToken.D(), Response: t.Response.D(), Idle: t.Idle.D(), Total: t.Total.D()}
}
