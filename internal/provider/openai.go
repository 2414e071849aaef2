package provider

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/openai"
)

// maxErrorBody bounds how much of a provider's error body is read: enough
// for any JSON error, not enough for a hostile one to cost memory.
const maxErrorBody = 64 << 10

// OpenAI is any OpenAI-compatible server: OpenAI itself, vLLM, Ollama,
// DeepSeek, a simulated provider.
type OpenAI struct {
	*endpoint
	embeddingsURL string
}

var _ Provider = (*OpenAI)(nil)

// NewOpenAI builds the adapter for provider name from its config.
// userAgent is sent as User-Agent.
func NewOpenAI(name string, c *config.Provider, userAgent string) (*OpenAI, error) {
	e, err := newEndpoint(name, c, "/chat/completions", userAgent, func(k string) string { return "Bearer " + k })
	if err != nil {
		return nil, err
	}
	return &OpenAI{endpoint: e, embeddingsURL: strings.TrimSuffix(e.url, "/chat/completions") + "/embeddings"}, nil
}

// Dialect returns "openai".
func (p *OpenAI) Dialect() string { return "openai" }

// Chat posts body to {base_url}/chat/completions.
func (p *OpenAI) Chat(ctx context.Context, call Call) (*http.Response, error) {
	url := p.url
	if call.Embeddings {
		url = p.embeddingsURL
	}
	return p.post(ctx, url, call.Body, call.Header, "Authorization", nil, parseOpenAIError)
}

func parseOpenAIError(body []byte) (failure.UpstreamError, bool) {
	e, ok := openai.ParseError(body)
	return failure.UpstreamError{Type: e.Type, Code: e.Code, Param: e.Param, Message: e.Message}, ok
}

// The sizes of a provider connection's buffers; see newTransport.
const (
	transportReadBuffer  = 2 << 10
	transportWriteBuffer = 2 << 10
)

// newTransport builds a provider's connection pools: plain-HTTP requests
// go out on the caller's goroutine (inlineTransport), https and proxied
// ones through net/http's transport. Compression is off so that streams
// arrive as the provider flushes them, and the dialer takes its timeout
// from the attempt's context.
//
// net/http's pooled connections each keep a read and a write buffer for
// as long as they live; the inline pool keeps only the read buffer and
// writes through a shared pool of write buffers. A write buffer is used
// only while a request goes out: 2 KB holds the headers and a small body
// in one write (a larger body is written straight after them, whatever
// the buffer's size); the default 4 KB only saves a second write for
// bodies of 1-3 KB. The read buffer takes an answer's headers in one read,
// and reads larger than it go straight to the caller's buffer, so 2 KB
// costs at most an extra read on a burst of stream events.
func newTransport(c *config.Provider) http.RoundTripper {
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	fallback := c.ConnectTimeout.D()
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if d := connectTimeout(ctx, fallback); d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return dialer.DialContext(ctx, network, addr)
	}
	return &inlineTransport{
		dial:        dial,
		proxy:       http.ProxyFromEnvironment,
		maxIdle:     c.MaxIdleConns,
		idleTimeout: idleConnTimeout,
		readBuffer:  transportReadBuffer,
		now:         time.Now,
		fallback: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dial,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          c.MaxIdleConns,
			MaxIdleConnsPerHost:   c.MaxIdleConns,
			IdleConnTimeout:       idleConnTimeout,
			TLSHandshakeTimeout:   fallback + 5*time.Second,
			ExpectContinueTimeout: time.Second,
			DisableCompression:    true,
			ReadBufferSize:        transportReadBuffer,
			WriteBufferSize:       transportWriteBuffer,
		},
	}
}

// idleConnTimeout is how long a connection to a provider is kept idle.
const idleConnTimeout = 90 * time.Second
