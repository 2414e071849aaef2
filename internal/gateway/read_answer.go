package gateway

import (
	"io"
	"net/http"
)

// presizeAnswer is the largest announced answer length read into a
// buffer made to measure.
const presizeAnswer = 1 << 20

// readAnswer reads a non-streamed answer, up to one byte past
// maxResponseBody so that the caller can tell an answer that is too long.
// When the provider said how long the answer is, it is read into a buffer
// of that size at once, instead of one that io.ReadAll grows (and copies)
// a step at a time. Only up to presizeAnswer is trusted that way: a
// provider that announces a huge answer and sends little must not make
// the gateway allocate it up front.
func readAnswer(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= presizeAnswer {
		body := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			return nil, err
		}
		return body, nil
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
}
