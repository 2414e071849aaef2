package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/openai"
	"github.com/backstophq/backstop/internal/provider"
	"github.com/backstophq/backstop/internal/route"
)

// maxResponseBody bounds a non-streamed answer read into memory.
const maxResponseBody = 64 << 20

// attempt makes one call to target t. It returns nil when the client got
// its answer from t (c.done is then set), and the attempt's failure
// otherwise. After the gateway has committed to t (the first byte of the
// answer went to the client), a failure is reported to the client by the
// attempt itself, c.done is set, and the failure is returned only to be
// counted.
func (c *call) attempt(t *route.Target) *failure.Error {
	c.attempts++
	actx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	var dog watchdog
	dog.start(c.s.clock, c.route.FirstToken(t, c.req.Stream), cancel)
	defer dog.stop()

	body := openai.RewriteModel(c.body, c.req, t.QuotedModel)
	resp, err := t.Provider.Chat(provider.WithConnectTimeout(actx, c.route.Timeouts.Connect), body, c.header)
	if err != nil {
		return c.classify(err, &dog)
	}
	defer resp.Body.Close()
	if c.req.Stream {
		return c.relay(t, resp, &dog)
	}
	return c.complete(t, resp, &dog)
}

// classify names the failure behind err. A cancelled context is told
// apart by who cancelled it: the client, the watchdog or the deadline.
func (c *call) classify(err error, dog *watchdog) *failure.Error {
	if c.r.Context().Err() != nil {
		return failure.New(failure.Canceled, err)
	}
	if k := dog.firedKind(); k != 0 {
		return failure.New(k, err)
	}
	if errors.Is(c.ctx.Err(), context.DeadlineExceeded) {
		return failure.New(failure.Deadline, err)
	}
	var fe *failure.Error
	if errors.As(err, &fe) {
		return fe
	}
	return failure.New(failure.StreamCut, err)
}

// complete reads a non-streamed answer in full, checks it, and only then
// sends it, so that a broken answer can still fail over.
func (c *call) complete(t *route.Target, resp *http.Response, dog *watchdog) *failure.Error {
	dog.idle(c.s.clock, c.route.Timeouts.Idle)
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return c.classify(err, dog)
	}
	dog.stop()
	if len(body) > maxResponseBody {
		return failure.Newf(failure.Malformed, "answer over %d bytes", maxResponseBody)
	}
	if !json.Valid(body) {
		return failure.Newf(failure.Malformed, "answer of %d bytes is not JSON", len(body))
	}
	if openai.IsErrorOrDone(body) == openai.Failed {
		e, _ := openai.ParseError(body)
		return &failure.Error{Kind: failure.Malformed, Upstream: upstream(e)}
	}
	c.commit(t, "application/json")
	h := c.w.Header()
	h.Set("Content-Length", itoa(len(body)))
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(body)
	c.served, c.outcome, c.done = t, metrics.OK, true
	return nil
}

// commit sets the headers of an answer served by t. From here on the
// request is t's.
func (c *call) commit(t *route.Target, contentType string) {
	h := c.w.Header()
	h.Set("Content-Type", contentType)
	h.Set(HeaderTarget, t.Name)
	h.Set(HeaderAttempts, itoa(c.attempts))
	if t != c.first {
		h.Set(HeaderFallback, "true")
	} else {
		h.Set(HeaderFallback, "false")
	}
}

func upstream(e openai.Error) failure.UpstreamError {
	return failure.UpstreamError{Type: e.Type, Code: e.Code, Param: e.Param, Message: e.Message}
}
