package provider

import (
	"context"
	"net/http"

	"github.com/backstophq/backstop/internal/anthropic"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/failure"
)

// AnthropicVersion is the anthropic-version header sent when the client's
// request did not carry one.
const AnthropicVersion = "2023-06-01"

// Anthropic is Anthropic's Messages API.
type Anthropic struct{ *endpoint }

var _ Provider = (*Anthropic)(nil)

// NewAnthropic builds the adapter for provider name from its config.
func NewAnthropic(name string, c *config.Provider, userAgent string) (*Anthropic, error) {
	e, err := newEndpoint(name, c, "/v1/messages", userAgent, func(k string) string { return k })
	if err != nil {
		return nil, err
	}
	return &Anthropic{e}, nil
}

// Dialect returns "anthropic".
func (p *Anthropic) Dialect() string { return "anthropic" }

// Chat posts body to {base_url}/v1/messages with the key in x-api-key. The
// client's anthropic-version and anthropic-beta headers, when propagated,
// are kept; without one, AnthropicVersion is sent.
func (p *Anthropic) Chat(ctx context.Context, call Call) (*http.Response, error) {
	if call.Embeddings {
		return nil, ErrUnsupported
	}
	return p.post(ctx, p.url, call.Body, call.Header, "X-Api-Key", setAnthropicVersion, parseAnthropicError)
}

func setAnthropicVersion(h http.Header) {
	if h.Get("Anthropic-Version") == "" {
		h.Set("Anthropic-Version", AnthropicVersion)
	}
}

func parseAnthropicError(body []byte) (failure.UpstreamError, bool) {
	e, ok := anthropic.ParseError(body)
	return failure.UpstreamError{Type: e.Type, Message: e.Message}, ok
}
