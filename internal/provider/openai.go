package provider

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/openai"
	"github.com/backstophq/backstop/internal/retry"
)

// maxErrorBody bounds how much of a provider's error body is read: enough
// for any JSON error, not enough for a hostile one to cost memory.
const maxErrorBody = 64 << 10

// OpenAI is any OpenAI-compatible server: OpenAI itself, vLLM, Ollama,
// DeepSeek, a simulated provider.
type OpenAI struct {
	name    string
	chatURL string
	keys    []string // "Bearer …" values, ready to send
	next    atomic.Uint32
	headers http.Header
	client  *http.Client
	ua      string
}

var _ Provider = (*OpenAI)(nil)

// NewOpenAI builds the adapter for provider name from its config.
// userAgent is sent as User-Agent.
func NewOpenAI(name string, c *config.Provider, userAgent string) (*OpenAI, error) {
	base, err := url.Parse(c.BaseURL)
	if err != nil || base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("providers.%s.base_url: %q is not an http(s) URL", name, c.BaseURL)
	}
	p := &OpenAI{
		name:    name,
		chatURL: strings.TrimRight(c.BaseURL, "/") + "/chat/completions",
		headers: make(http.Header, len(c.Headers)),
		ua:      userAgent,
	}
	keys := c.APIKeys
	if c.APIKey != "" {
		keys = []config.Secret{c.APIKey}
	}
	for _, k := range keys {
		p.keys = append(p.keys, "Bearer "+k.Value())
	}
	for k, v := range c.Headers {
		p.headers.Set(k, v.Value())
	}
	p.client = &http.Client{Transport: newTransport(c)}
	return p, nil
}

// newTransport builds a provider's connection pool. Compression is off so
// that streams arrive as the provider flushes them, and the dialer takes
// its timeout from the attempt's context.
func newTransport(c *config.Provider) *http.Transport {
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	fallback := c.ConnectTimeout.D()
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if d := connectTimeout(ctx, fallback); d > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, d)
				defer cancel()
			}
			return dialer.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          c.MaxIdleConns,
		MaxIdleConnsPerHost:   c.MaxIdleConns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   fallback + 5*time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}

// Name returns the provider's name.
func (p *OpenAI) Name() string { return p.name }

// Dialect returns "openai".
func (p *OpenAI) Dialect() string { return "openai" }

// Close drops idle connections.
func (p *OpenAI) Close() { p.client.CloseIdleConnections() }

// Chat posts body to {base_url}/chat/completions.
func (p *OpenAI) Chat(ctx context.Context, body []byte, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.chatURL, bytes.NewReader(body))
	if err != nil {
		return nil, failure.New(failure.Connect, err)
	}
	h := req.Header
	for k, v := range header {
		h[k] = v
	}
	for k, v := range p.headers {
		h[k] = v
	}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json, text/event-stream")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if p.ua != "" {
		h.Set("User-Agent", p.ua)
	}
	if n := len(p.keys); n > 0 {
		h.Set("Authorization", p.keys[int(p.next.Add(1)-1)%n])
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, failure.New(failure.Connect, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	return nil, statusFailure(resp)
}

// statusFailure reads a non-2xx response into a typed failure and closes
// it. The body is parsed as an OpenAI error when it is one; it is kept
// only in parsed form, never passed on raw.
func statusFailure(resp *http.Response) *failure.Error {
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	f := &failure.Error{
		Kind:       failure.Status,
		Status:     resp.StatusCode,
		RetryAfter: retry.ParseRetryAfter(resp.Header, time.Now()),
	}
	if e, ok := openai.ParseError(body); ok {
		f.Upstream = failure.UpstreamError{Type: e.Type, Code: e.Code, Param: e.Param, Message: e.Message}
	} else if readErr != nil {
		f.Err = readErr
	} else {
		f.Err = fmt.Errorf("%s with a non-JSON body of %d bytes", resp.Status, len(body))
	}
	return f
}
