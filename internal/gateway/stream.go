package gateway

import (
	"errors"
	"io"
	"net/http"

	"github.com/backstophq/backstop/internal/dialect"
	"github.com/backstophq/backstop/internal/sse"

	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/openai"
)

// pump relays a committed stream's events until [DONE], a failure, or the
// client leaving. Ordinary chunks are written as they came, without being
// decoded, and flushed one by one. A failure ends the stream with an
// OpenAI error event and no [DONE], so no client mistakes it for a clean
// end.
func (a *try) pump() *failure.Error {
	c := a.c
	for {
		ev, err := a.rd.Next()
		if err == io.EOF && a.conv != nil {
			// The provider's stream ended: a translation knows whether it
			// ended complete.
			if out, cerr := a.conv.End(); cerr == nil {
				if !c.send(out) {
					return c.clientGone()
				}
				c.outcome = metrics.OK
				return nil
			}
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			ferr := a.classify(err)
			if ferr.Kind == failure.Canceled {
				return c.clientGone()
			}
			return c.cut(a, ferr)
		}
		if !ev.HasData {
			if a.conv == nil && !c.relay(ev.Raw, a.rd.Ready()) {
				return c.clientGone()
			}
			continue
		}
		a.dog.idle(c.s.clock, c.route.Timeouts.Idle)
		switch a.up.Relayed(ev) {
		case dialect.Failed:
			return c.cut(a, a.up.EventError(ev.Data))
		case dialect.End:
			a.dog.stop()
			out, ferr := a.relayed(ev)
			if ferr != nil {
				return c.cut(a, ferr)
			}
			if !c.send(out) {
				return c.clientGone()
			}
			c.outcome = metrics.OK
			return nil
		}
		if c.continues(a) {
			c.keep(ev.Data)
		}
		out, ferr := a.relayed(ev)
		if ferr != nil {
			return c.cut(a, ferr)
		}
		if len(out) > 0 && !c.relay(out, a.rd.Ready()) {
			return c.clientGone()
		}
	}
}

// relayed is the event as the client gets it: as it came; translated into
// the client's dialect; or, on a continuation, with the id of the stream
// the client saw begin. A provider event the translation cannot read is a
// malformed answer.
func (a *try) relayed(ev sse.Event) ([]byte, *failure.Error) {
	if a.conv != nil {
		out, err := a.conv.Event(ev.Name, ev.Data)
		if err != nil {
			return nil, failure.New(failure.Malformed, err)
		}
		return out, nil
	}
	if a.streamID == nil {
		return ev.Raw, nil
	}
	data := openai.WithID(ev.Data, a.streamID)
	out := make([]byte, 0, len(data)+8)
	out = append(out, "data: "...)
	out = append(out, data...)
	return append(out, "\n\n"...), nil
}

// send writes p to the client and flushes it. It reports false when the
// client is gone.
func (c *call) send(p []byte) bool { return c.relay(p, false) }

// relay writes p to the client, and flushes it unless more is ready to
// follow at once: a burst of events already read from the provider goes
// out in one write to the socket, and an event is never held back waiting
// for one that has not arrived. It reports false when the client is gone.
func (c *call) relay(p []byte, more bool) bool {
	if _, err := c.w.Write(p); err != nil {
		return false
	}
	if !more {
		if f, ok := c.w.(http.Flusher); ok {
			f.Flush()
		}
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
	c.send(c.client.StreamError(dialect.APIError{Status: http.StatusInternalServerError, Message: msg, Code: "stream_interrupted"}))
	c.outcome, c.done = metrics.StreamFailed, true
	return ferr
}
