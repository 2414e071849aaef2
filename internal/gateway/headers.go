package gateway

import (
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"strconv"
)

// Response headers that say how a request was served.
const (
	HeaderRequestID = "X-Request-Id"
	HeaderRoute     = "X-Backstop-Route"
	HeaderTarget    = "X-Backstop-Target"
	HeaderAttempts  = "X-Backstop-Attempts"
	HeaderFallback  = "X-Backstop-Fallback"
	HeaderExhausted = "X-Backstop-Exhausted"
	HeaderDrill     = "X-Backstop-Drill"
	// HeaderSkipped lists the targets a request did not try, each as
	// "target=reason" (images, tools, json_schema, embeddings,
	// context_window, cannot_translate, breaker_open), one header line
	// per target, in chain order.
	HeaderSkipped = "X-Backstop-Skipped"
	// HeaderShouldRetry tells OpenAI and Anthropic SDKs whether to retry a
	// failed request. The gateway has already retried and failed over, so
	// its errors say "false": a client retrying on top would multiply the
	// attempts.
	HeaderShouldRetry = "X-Should-Retry"
)

// maxRequestID bounds a client-supplied request id.
const maxRequestID = 128

// requestID returns the client's X-Request-Id when it is a sane token, or
// a new random one. A client's id is kept so that its logs and ours join;
// an id that could break a log line or a header is replaced.
func requestID(r *http.Request) string {
	if id := r.Header.Get(HeaderRequestID); id != "" && validID(id) {
		return id
	}
	var raw [16]byte
	a, b := rand.Uint64(), rand.Uint64()
	for i := 0; i < 8; i++ {
		raw[i], raw[8+i] = byte(a>>(8*i)), byte(b>>(8*i))
	}
	var out [32]byte
	hex.Encode(out[:], raw[:])
	return string(out[:])
}

func validID(id string) bool {
	if len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '+' || c == '=') {
			return false
		}
	}
	return true
}

// propagated returns the headers copied from the client's request to every
// attempt: those named in names that the client sent, and the request id,
// which is always set (id is its value, shared with the answer's header).
// The map is built once per request and shared, read-only, by its
// attempts.
func propagated(in http.Header, names []string, id []string) http.Header {
	out := make(http.Header, len(names))
	for _, name := range names {
		if v, ok := in[name]; ok {
			out[name] = v
		}
	}
	out[HeaderRequestID] = id
	return out
}

// smallInts holds the text of small attempt counts, so that setting
// X-Backstop-Attempts does not format a number on every request.
var smallInts = func() [17]string {
	var s [17]string
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func itoa(n int) string {
	if n >= 0 && n < len(smallInts) {
		return smallInts[n]
	}
	return strconv.Itoa(n)
}

// anthropicHeaders are the request headers an Anthropic client sends for
// its provider: they reach Anthropic providers only.
var anthropicHeaders = []string{"Anthropic-Version", "Anthropic-Beta"}

// withAnthropicHeaders returns propagated plus the client's Anthropic
// headers, for attempts on Anthropic providers.
func withAnthropicHeaders(propagated, in http.Header) http.Header {
	out := propagated.Clone()
	for _, name := range anthropicHeaders {
		if v, ok := in[name]; ok {
			out[name] = v
		}
	}
	return out
}
