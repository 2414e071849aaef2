package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/gemini"
)

// Gemini is Google's Gemini API (generativelanguage.googleapis.com): the
// model and the choice to stream are in the URL, the key in an
// x-goog-api-key header.
type Gemini struct{ *endpoint }

var _ Provider = (*Gemini)(nil)

// NewGemini builds the adapter for provider name from its config.
func NewGemini(name string, c *config.Provider, userAgent string) (*Gemini, error) {
	e, err := newEndpoint(name, c, "/v1beta/models/", userAgent, func(k string) string { return k })
	if err != nil {
		return nil, err
	}
	return &Gemini{e}, nil
}

// Dialect returns "gemini".
func (p *Gemini) Dialect() string { return "gemini" }

// Chat posts body to {base_url}/v1beta/models/{model}:generateContent, or
// :streamGenerateContent?alt=sse for a stream. A propagated Authorization
// header is never sent: Google would read it as an OAuth token and
// refuse the key. An embeddings call posts to :batchEmbedContents, as
// google.golang.org/genai's EmbedContent does, and is never streamed.
//
// Gemini answers a bad key with 400 INVALID_ARGUMENT, reason
// API_KEY_INVALID; it is turned into the 401 it means, so that the
// gateway treats it as its own misconfiguration rather than the client's
// bad request. A 429 says when to retry in its RetryInfo detail rather
// than a Retry-After header; the detail counts as one.
func (p *Gemini) Chat(ctx context.Context, call Call) (*http.Response, error) {
	var b strings.Builder
	b.Grow(len(p.url) + len(call.Model) + 32)
	b.WriteString(p.url)
	b.WriteString(url.PathEscape(call.Model))
	switch {
	case call.Embeddings:
		b.WriteString(":batchEmbedContents")
	case call.Stream:
		b.WriteString(":streamGenerateContent?alt=sse")
	default:
		b.WriteString(":generateContent")
	}
	header := call.Header
	if header.Get("Authorization") != "" {
		header = header.Clone()
		header.Del("Authorization")
	}
	var delay time.Duration
	parse := func(body []byte) (failure.UpstreamError, bool) {
		e, ok := gemini.ParseError(body)
		delay = e.RetryDelay
		code := e.Status
		if e.Reason != "" {
			code = e.Reason
		}
		return failure.UpstreamError{Code: code, Message: e.Message}, ok
	}
	resp, err := p.post(ctx, b.String(), call.Body, header, "X-Goog-Api-Key", nil, parse)
	var f *failure.Error
	if errors.As(err, &f) {
		if f.Status == http.StatusBadRequest && f.Upstream.Code == "API_KEY_INVALID" {
			f.Status = http.StatusUnauthorized
		}
		if f.RetryAfter == 0 {
			f.RetryAfter = delay
		}
	}
	return resp, err
}
