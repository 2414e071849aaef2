package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// Endpoint is where a run sends its requests: the simulated provider
// directly, Backstop, or a peer gateway.
type Endpoint struct {
	// Name labels the endpoint in results: "direct", "backstop", "portkey".
	Name string
	// URL is the full chat completions URL.
	URL string
	// Model is the request's model field: the provider's model directly, a
	// route's name through Backstop.
	Model string
	// Header holds extra request headers, such as a peer's routing headers.
	Header http.Header
	// Anthropic makes the endpoint take Anthropic Messages requests
	// (non-streamed only); the default is OpenAI chat completions.
	Anthropic bool
}

// Body is the benchmark's request in the endpoint's dialect.
func (ep Endpoint) Body(stream bool) []byte {
	if ep.Anthropic {
		return MessagesBody(ep.Model)
	}
	return ChatBody(ep.Model, stream)
}

// MessagesBody is ChatBody's request in the Anthropic Messages dialect.
func MessagesBody(model string) []byte {
	return []byte(`{"model":` + strconv.Quote(model) +
		`,"max_tokens":256,"messages":[{"role":"user","content":"Write one short sentence about the sea."}]}`)
}

// ChatBody is the benchmark's small chat completion request for model.
func ChatBody(model string, stream bool) []byte {
	b := []byte(`{"model":` + strconv.Quote(model) +
		`,"messages":[{"role":"user","content":"Write one short sentence about the sea."}]`)
	if stream {
		b = append(b, `,"stream":true`...)
	}
	return append(b, '}')
}

// Client sends the benchmark's requests over its own connection pool.
type Client struct {
	hc *http.Client
	// Timeout bounds one non-streamed request, or one stream from its
	// start to its end. Default 30s.
	Timeout time.Duration
}

// NewClient returns a client that keeps at most maxConns connections per
// host (0: no limit). Requests beyond that wait in the pool, and the wait
// counts in their latency. No proxy is used, whatever the environment says.
func NewClient(maxConns int) *Client {
	idle := maxConns
	if idle <= 0 {
		idle = 10000
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: idle,
		MaxConnsPerHost:     maxConns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &Client{hc: &http.Client{Transport: tr}, Timeout: 30 * time.Second}
}

// Close drops the client's idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

func (c *Client) post(ctx context.Context, ep Endpoint, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range ep.Header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer bench")
	return c.hc.Do(req)
}

// Chat sends one non-streamed request due at due, reads the answer to its
// end, and measures it from due.
func (c *Client) Chat(ctx context.Context, ep Endpoint, body []byte, due time.Time) Sample {
	late := time.Since(due)
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	resp, err := c.post(ctx, ep, body)
	if err != nil {
		return Sample{Due: due, Latency: time.Since(due), Late: late, Err: ErrClass(err)}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	s := Sample{Due: due, Latency: time.Since(due), Late: late}
	s.Err = answerErr(resp, err)
	return s
}

// answerErr classifies a finished answer; "" is a success. Backstop's
// polite exhaustion message (x-backstop-exhausted) is a failure here.
func answerErr(resp *http.Response, readErr error) string {
	switch {
	case resp.StatusCode != http.StatusOK:
		return "status " + strconv.Itoa(resp.StatusCode)
	case resp.Header.Get("X-Backstop-Exhausted") == "true":
		return "exhausted"
	case readErr != nil:
		return ErrClass(readErr)
	}
	return ""
}

// Stream sends one streamed request due at due and reads it to its end.
// The sample's TTFT is the time from due to the first content chunk; the
// gaps are the times between consecutive content chunks.
func (c *Client) Stream(ctx context.Context, ep Endpoint, body []byte, due time.Time) (Sample, []time.Duration) {
	late := time.Since(due)
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	resp, err := c.post(ctx, ep, body)
	if err != nil {
		return Sample{Due: due, Latency: time.Since(due), Late: late, Err: ErrClass(err)}, nil
	}
	defer resp.Body.Close()
	s := Sample{Due: due, Late: late}
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		s.Latency, s.Err = time.Since(due), "status "+strconv.Itoa(resp.StatusCode)
		return s, nil
	}
	gaps := make([]time.Duration, 0, 64)
	var last time.Time
	done, err := readEvents(resp.Body, func(kind chunkKind) bool {
		if kind != contentChunk {
			return kind != errorChunk
		}
		now := time.Now()
		if last.IsZero() {
			s.TTFT = now.Sub(due)
		} else {
			gaps = append(gaps, now.Sub(last))
		}
		last = now
		return true
	})
	s.Latency = time.Since(due)
	switch {
	case done:
	case err != nil:
		s.Err = ErrClass(err)
	default:
		s.Err = "no [DONE]"
	}
	return s, gaps
}

// Hold opens a stream and reads it until ctx ends or the stream does.
// committed is called once, at the first content chunk. It returns nil
// when ctx ended the stream, and otherwise why the stream ended.
func (c *Client) Hold(ctx context.Context, ep Endpoint, body []byte, committed func()) error {
	resp, err := c.post(ctx, ep, body)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("status " + strconv.Itoa(resp.StatusCode))
	}
	seen := false
	_, err = readEvents(resp.Body, func(kind chunkKind) bool {
		if kind == contentChunk && !seen {
			seen = true
			committed()
		}
		return kind != errorChunk
	})
	if ctx.Err() != nil {
		return nil
	}
	if err == nil {
		err = errors.New("stream ended while held")
	}
	return err
}

// ErrClass is a short, low-cardinality name for a request's failure.
func ErrClass(err error) string {
	var op *net.OpError
	switch {
	case errors.Is(err, errEventError):
		return "error event"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connect refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "cut"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.EADDRNOTAVAIL):
		return "client out of sockets"
	case errors.As(err, &op) && op.Op == "dial":
		return "connect"
	}
	return "other"
}

type chunkKind int

const (
	otherChunk   chunkKind = iota // a role chunk, a finish or usage chunk, a comment
	contentChunk                  // carries answer text
	errorChunk                    // an error event
	doneChunk                     // data: [DONE]
)

// errEventError ends a stream that carried an error event.
var errEventError = errors.New("error event")

var (
	dataPrefix    = []byte("data: ")
	contentMarker = []byte(`"content":"`)
)

// classifyLine tells what an SSE line of an OpenAI stream is. A chunk is
// a content chunk when it carries a non-empty "content" string: the role
// chunk's "content":"" is not one. This reads bytes, not JSON, to keep the
// load generator's cost per chunk low; it holds for the simulated
// provider's chunks and every gateway that relays them unchanged.
func classifyLine(line []byte) chunkKind {
	data, ok := bytes.CutPrefix(line, dataPrefix)
	if !ok {
		return otherChunk
	}
	data = bytes.TrimRight(data, "\r\n")
	switch {
	case bytes.Equal(data, []byte("[DONE]")):
		return doneChunk
	case bytes.HasPrefix(data, []byte(`{"error"`)):
		return errorChunk
	}
	i := bytes.Index(data, contentMarker)
	if i >= 0 && i+len(contentMarker) < len(data) && data[i+len(contentMarker)] != '"' {
		return contentChunk
	}
	return otherChunk
}

// readEvents reads an SSE body line by line, calling on for every data
// line but [DONE], until on returns false, [DONE], or the end of the body.
// It reports whether [DONE] came.
func readEvents(body io.Reader, on func(chunkKind) bool) (bool, error) {
	br := bufio.NewReaderSize(body, 16<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			kind := classifyLine(line)
			if kind == doneChunk {
				return true, nil
			}
			if !on(kind) {
				return false, errEventError
			}
		}
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: its rest follows; it can
			// only be a data line's tail, which classifyLine ignores.
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return false, err
		}
	}
}
