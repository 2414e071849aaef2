// Package provider holds the adapters that send one attempt to one
// upstream. An adapter is small: it knows its endpoint, credentials and
// dialect, and turns transport and status failures into typed
// *failure.Error values. Choosing targets, retrying and streaming to the
// client are the gateway's business.
package provider

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Provider is one upstream connection.
type Provider interface {
	// Name is the provider's name in the config.
	Name() string
	// Dialect is the wire format it speaks, e.g. "openai".
	Dialect() string
	// Chat sends one chat request and returns the response once its
	// headers have arrived with a 2xx status. The caller must close the
	// body. Any other outcome is a *failure.Error: Kind Status with the
	// provider's parsed error for a non-2xx answer, Kind Connect for a
	// transport failure.
	Chat(ctx context.Context, call Call) (*http.Response, error)
	// Close releases idle connections.
	Close()
}

// ModelDialects is implemented by a provider whose dialect depends on the
// model: Bedrock speaks Anthropic Messages to Anthropic's models and
// Converse to the others.
type ModelDialects interface {
	// DialectFor is the dialect of requests for model.
	DialectFor(model string) string
}

// DialectOf is the dialect p speaks for model: DialectFor's answer when p
// implements ModelDialects, else p.Dialect().
func DialectOf(p Provider, model string) string {
	if m, ok := p.(ModelDialects); ok {
		return m.DialectFor(model)
	}
	return p.Dialect()
}

// Call is one chat request to a provider.
type Call struct {
	// Model is the target's model: some APIs take it in the URL (Azure
	// deployments, Bedrock, Gemini) rather than in the body.
	Model string
	// Body is the request in the provider's dialect, model included.
	Body []byte
	// Stream reports whether the body asks for a stream: some APIs take
	// that in the URL too.
	Stream bool
	// Embeddings makes the call an embeddings request instead of a chat
	// one. Providers without embeddings refuse it with ErrUnsupported.
	Embeddings bool
	// Header holds headers to propagate; the adapter adds its own
	// credentials and extra headers, which win over them.
	Header http.Header
}

// ErrUnsupported is returned by a provider asked for something its API
// does not offer, such as embeddings from Anthropic. The gateway does not
// send such calls (it skips the target); this is the adapter's own guard.
var ErrUnsupported = errors.New("provider: not offered by this provider's API")

type connectTimeoutKey struct{}

// WithConnectTimeout returns a context that tells the adapter's dialer to
// give up connecting after d, instead of the provider's default. It lets a
// route set its own connect timeout while connections stay pooled per
// provider.
func WithConnectTimeout(ctx context.Context, d time.Duration) context.Context {
	if d <= 0 {
		return ctx
	}
	return context.WithValue(ctx, connectTimeoutKey{}, d)
}

func connectTimeout(ctx context.Context, fallback time.Duration) time.Duration {
	if d, ok := ctx.Value(connectTimeoutKey{}).(time.Duration); ok {
		return d
	}
	return fallback
}
