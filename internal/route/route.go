// Package route turns the config's routes into what the gateway runs: for
// each route, its targets with their providers, the order a request tries
// them in, and the route's retry policy, timeouts and headers.
package route

import (
	"net/http"
	"time"

	"github.com/backstophq/backstop/internal/config"
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
	Tier        string
	// FirstToken overrides the route's first-token timeout when > 0.
	FirstToken time.Duration
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
	Retry     *retry.Policy
	Timeouts  Timeouts
	// Headers are the canonical names of the request headers copied to
	// every attempt: the built-in set, the config's global list and the
	// route's own.
	Headers []string
	// Exhausted is the polite answer given when every attempt failed; ""
	// means answer with an error.
	Exhausted string
	// ExhaustedRetryAfter is the Retry-After of the error form.
	ExhaustedRetryAfter time.Duration
}

// MaxChain bounds the targets of one route, so that a request's chain fits
// in a fixed array on the request path.
const MaxChain = 16

// Chain returns the targets one request tries, in order: the primary
// targets as the strategy orders them, then the fallbacks. It appends to
// dst, which the caller may back with a fixed array.
func (r *Route) Chain(dst []*Target) []*Target {
	dst = r.Strategy.Order(dst, r.Members)
	return append(dst, r.Fallbacks...)
}

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
