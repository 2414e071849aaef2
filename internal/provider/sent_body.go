package provider

import (
	"context"
	"io"
	"net/http"
	"sync"
)

// newPost returns a POST of body to url whose body is a sentBody: call
// the returned release once Client.Do has returned.
func newPost(ctx context.Context, url string, body []byte) (req *http.Request, release func(), err error) {
	sent := newSentBody(body)
	rd, _ := sent.reader()
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, url, rd)
	if err != nil {
		return nil, nil, err
	}
	req.ContentLength = int64(len(body))
	req.GetBody = sent.reader
	return req, sent.release, nil
}

// sentBody is a request body that net/http keeps no longer than it needs.
//
// A request built over a *bytes.Reader keeps its body alive for as long as
// the transport keeps the request, which for a stream is until the stream
// ends: a held stream with a 100 KB conversation kept 100 KB. Here the
// reader drops its bytes once read to the end, and the copy that GetBody
// rewinds from (net/http rewinds only while Client.Do runs: a retry on a
// reused connection, a redirect) is dropped by release once Do returns.
type sentBody struct {
	mu sync.Mutex
	b  []byte
}

// newSentBody returns the source of req's body b.
func newSentBody(b []byte) *sentBody { return &sentBody{b: b} }

// reader returns a new reader over the body; after release, an empty one.
func (s *sentBody) reader() (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.b) == 0 {
		return http.NoBody, nil
	}
	return &onceReader{b: s.b}, nil
}

// release drops the source's bytes: readers made before keep theirs until
// they reach the end.
func (s *sentBody) release() {
	s.mu.Lock()
	s.b = nil
	s.mu.Unlock()
}

// onceReader reads b once and forgets it at the end. The transport's write
// loop reads it, and Close may come from another goroutine, so it locks.
type onceReader struct {
	mu sync.Mutex
	b  []byte
}

func (r *onceReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.b) == 0 {
		r.b = nil
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	if len(r.b) == 0 {
		r.b = nil // b[n:] of a full slice still points into it
	}
	return n, nil
}

// Close drops what was not read.
func (r *onceReader) Close() error {
	r.mu.Lock()
	r.b = nil
	r.mu.Unlock()
	return nil
}
