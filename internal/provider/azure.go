package provider

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/backstophq/backstop/internal/config"
)

// Azure is Azure OpenAI: the OpenAI dialect, with the target's model as
// the deployment in the URL, the api-version as a query parameter, and
// the key in an api-key header.
type Azure struct {
	*endpoint
	apiVersion string
}

var _ Provider = (*Azure)(nil)

// NewAzure builds the adapter for provider name from its config.
func NewAzure(name string, c *config.Provider, userAgent string) (*Azure, error) {
	e, err := newEndpoint(name, c, "/openai/deployments/", userAgent, func(k string) string { return k })
	if err != nil {
		return nil, err
	}
	return &Azure{endpoint: e, apiVersion: url.QueryEscape(c.APIVersion)}, nil
}

// Dialect returns "openai": Azure speaks OpenAI's chat completions.
func (p *Azure) Dialect() string { return "openai" }

// Chat posts body to
// {base_url}/openai/deployments/{model}/chat/completions?api-version=V.
func (p *Azure) Chat(ctx context.Context, call Call) (*http.Response, error) {
	var b strings.Builder
	b.Grow(len(p.url) + len(call.Model) + len(p.apiVersion) + 32)
	b.WriteString(p.url)
	b.WriteString(url.PathEscape(call.Model))
	if call.Embeddings {
		b.WriteString("/embeddings?api-version=")
	} else {
		b.WriteString("/chat/completions?api-version=")
	}
	b.WriteString(p.apiVersion)
	return p.post(ctx, b.String(), call.Body, call.Header, "Api-Key", nil, parseOpenAIError)
}
