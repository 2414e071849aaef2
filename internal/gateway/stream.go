package gateway

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/openai"
	"github.com/backstophq/backstop/internal/route"
	"github.com/backstophq/backstop/internal/sse"
)

// relay streams t's answer to the client. Until the first content chunk
// it holds the preamble (the role chunk) back, so a failure up to then is
// invisible and the request can fail over. At the first content chunk it
// commits: headers, the held preamble and the chunk go out, and from then
// on every event is written and flushed as it arrives, without decoding
// ordinary chunks. A failure after commit ends the stream with an OpenAI
// error event and no [DONE], so no client mistakes it for a clean end.
func (c *call) relay(t *route.Target, resp *http.Response, dog *watchdog) *failure.Error {
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "text/event-stream" {
		return failure.Newf(failure.Malformed, "stream answered with Content-Type %q", resp.Header.Get("Content-Type"))
	}
	rd := sse.NewReader(resp.Body)
	var held []byte
	for {
		ev, err := rd.Next()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return c.classify(err, dog)
		}
		if !ev.HasData {
			continue // a keep-alive comment: nothing to show yet
		}
		switch openai.Classify(ev.Data) {
		case openai.Preamble:
			held = append(held, ev.Raw...)
			continue
		case openai.ErrorChunk:
			e, _ := openai.ParseError(ev.Data)
			return &failure.Error{Kind: failure.Status, Status: openai.StatusOf(e), Upstream: upstream(e)}
		case openai.DoneChunk:
			return failure.Newf(failure.Malformed, "stream ended with [DONE] before any content")
		case openai.Garbage:
			return failure.Newf(failure.Malformed, "stream event is not a chunk")
		}
		// The first content chunk: commit to t.
		dog.idle(c.s.clock, c.route.Timeouts.Idle)
		c.commit(t, "text/event-stream")
		h := c.w.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		c.w.WriteHeader(http.StatusOK)
		held = append(held, ev.Raw...)
		c.ttft = c.s.since(c.start)
		c.served = t
		if !c.send(held) {
			return c.clientGone()
		}
		return c.pump(t, rd, dog)
	}
}

// pump relays events after commit until [DONE], a failure, or the client
// leaving. It always sets c.done.
func (c *call) pump(t *route.Target, rd *sse.Reader, dog *watchdog) *failure.Error {
	for {
		ev, err := rd.Next()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			ferr := c.classify(err, dog)
			if ferr.Kind == failure.Canceled {
				return c.clientGone()
			}
			return c.broken(ferr)
		}
		if !ev.HasData {
			if !c.send(ev.Raw) {
				return c.clientGone()
			}
			continue
		}
		dog.idle(c.s.clock, c.route.Timeouts.Idle)
		switch openai.IsErrorOrDone(ev.Data) {
		case openai.Failed:
			e, _ := openai.ParseError(ev.Data)
			return c.broken(&failure.Error{Kind: failure.Status, Status: openai.StatusOf(e), Upstream: upstream(e)})
		case openai.End:
			dog.stop()
			if !c.send(ev.Raw) {
				return c.clientGone()
			}
			c.outcome, c.done = metrics.OK, true
			return nil
		}
		if !c.send(ev.Raw) {
			return c.clientGone()
		}
	}
}

// send writes p to the client and flushes it. It reports false when the
// client is gone.
func (c *call) send(p []byte) bool {
	if _, err := c.w.Write(p); err != nil {
		return false
	}
	if f, ok := c.w.(http.Flusher); ok {
		f.Flush()
	}
	return c.r.Context().Err() == nil
}

// clientGone ends a committed stream whose client left.
func (c *call) clientGone() *failure.Error {
	c.outcome, c.done = metrics.Canceled, true
	return failure.New(failure.Canceled, errors.New("client went away during the stream"))
}

// broken ends a committed stream that failed upstream: the client gets an
// error event in its dialect, and no [DONE].
func (c *call) broken(ferr *failure.Error) *failure.Error {
	msg := "The answer stream was interrupted (" + ferr.Reason() + ") after it had started; the partial answer is incomplete."
	c.send(openai.StreamError(openai.Error{Message: msg, Type: openai.TypeServer, Code: "stream_interrupted"}))
	c.outcome, c.done = metrics.StreamFailed, true
	return ferr
}
