package provider

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/retry"
)

// endpoint is what every HTTP adapter shares: one URL, a pool of keys
// used in turn, configured extra headers, and a connection pool.
type endpoint struct {
	name    string
	url     string
	keys    []string // header values, ready to send
	next    atomic.Uint32
	headers http.Header
	client  *http.Client
	ua      string

	// keyHeaders and uaHeader are keys and ua as header values, made
	// once: see post.
	keyHeaders [][]string
	uaHeader   []string
}

// newEndpoint builds the endpoint of provider name at base_url + path.
// keyValue turns a key into the value of the auth header ("Bearer k").
func newEndpoint(name string, c *config.Provider, path, userAgent string, keyValue func(string) string) (*endpoint, error) {
	base, err := url.Parse(c.BaseURL)
	if err != nil || base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("providers.%s.base_url: %q is not an http(s) URL", name, c.BaseURL)
	}
	e := &endpoint{
		name:    name,
		url:     strings.TrimRight(c.BaseURL, "/") + path,
		headers: make(http.Header, len(c.Headers)),
		ua:      userAgent,
		client:  &http.Client{Transport: newTransport(c)},
	}
	keys := c.APIKeys
	if c.APIKey != "" {
		keys = []config.Secret{c.APIKey}
	}
	for _, k := range keys {
		e.keys = append(e.keys, keyValue(k.Value()))
	}
	for _, k := range e.keys {
		e.keyHeaders = append(e.keyHeaders, []string{k})
	}
	if userAgent != "" {
		e.uaHeader = []string{userAgent}
	}
	for k, v := range c.Headers {
		e.headers.Set(k, v.Value())
	}
	return e, nil
}

// Header values every request sends; see post.
var (
	jsonContentType    = []string{"application/json"}
	acceptJSONOrStream = []string{"application/json, text/event-stream"}
)

// post sends body to url (e.url, or one built from it) with the propagated header, the configured headers and
// the next key in authHeader; setDefaults may add dialect headers last.
// A 2xx answer is returned open; any other is read into a typed failure
// by parse, which gets at most maxErrorBody bytes of the body.
func (e *endpoint) post(ctx context.Context, url string, body []byte, header http.Header, authHeader string,
	setDefaults func(http.Header), parse func([]byte) (failure.UpstreamError, bool)) (*http.Response, error) {
	req, release, err := newPost(ctx, url, body)
	if err != nil {
		return nil, failure.New(failure.Connect, err)
	}
	h := req.Header
	for k, v := range header {
		h[k] = v
	}
	for k, v := range e.headers {
		h[k] = v
	}
	// The values are shared, read-only slices rather than Header.Set's
	// new one-element slice each, a handful of allocations per request:
	// the transport only reads a request's headers, and the propagated
	// and configured ones above are shared the same way.
	h["Content-Type"] = jsonContentType
	h["Accept"] = acceptJSONOrStream
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	if e.uaHeader != nil {
		h["User-Agent"] = e.uaHeader
	}
	if n := len(e.keyHeaders); n > 0 {
		h[http.CanonicalHeaderKey(authHeader)] = e.keyHeaders[int(e.next.Add(1)-1)%n]
	}
	if setDefaults != nil {
		setDefaults(h)
	}
	resp, err := e.client.Do(req)
	// Do rewinds the body only while it runs: the stream that follows
	// need not keep it.
	release()
	if err != nil {
		return nil, failure.New(failure.Connect, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	return nil, statusFailure(resp, parse)
}

// statusFailure reads a non-2xx response into a typed failure and closes
// it. The body is kept only as parse reads it, never passed on raw.
func statusFailure(resp *http.Response, parse func([]byte) (failure.UpstreamError, bool)) *failure.Error {
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	f := &failure.Error{
		Kind:       failure.Status,
		Status:     resp.StatusCode,
		RetryAfter: retry.ParseRetryAfter(resp.Header, time.Now()),
	}
	if u, ok := parse(body); ok {
		f.Upstream = u
	} else if readErr != nil {
		f.Err = readErr
	} else {
		f.Err = fmt.Errorf("%s with a non-JSON body of %d bytes", resp.Status, len(body))
	}
	return f.Classified()
}

// Name returns the provider's name.
func (e *endpoint) Name() string { return e.name }

// Close drops idle connections.
func (e *endpoint) Close() { e.client.CloseIdleConnections() }
