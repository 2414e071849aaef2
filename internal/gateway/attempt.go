package gateway

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/backstophq/backstop/internal/dialect"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/jsonscan"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/openai"
	"github.com/backstophq/backstop/internal/provider"
	"github.com/backstophq/backstop/internal/route"
	"github.com/backstophq/backstop/internal/sse"
	"github.com/backstophq/backstop/internal/translate"
)

// maxResponseBody bounds a non-streamed answer read into memory.
const maxResponseBody = 64 << 20

// try is one attempt on one target. An attempt runs in two phases: get
// (send, and read up to the first content: the first content chunk of a
// stream, or a whole non-streamed answer), which touches nothing of the
// client's and so may run beside a hedge; and deliver, which commits the
// request to the target and writes to the client, on the handler's
// goroutine.
type try struct {
	c *call
	t *route.Target
	// up is the provider's dialect; conv translates its stream when it is
	// not the client's (nil for a pass-through).
	up     dialect.Upstream
	conv   translate.Stream
	start  time.Time
	ttft   time.Duration // time to first content, once known
	ctx    context.Context
	cancel context.CancelFunc
	dog    watchdog
	// lost is set when a hedge won the race: the attempt's cancellation
	// is then nobody's failure.
	lost atomic.Bool

	resp *http.Response
	rd   *sse.Reader // stream: positioned after the first content event
	held []byte      // stream: the preamble and the first content event
	body []byte      // non-stream: the whole answer

	// reqBody is what the attempt sends: the client's body for the
	// target (see call.sendable), or a continuation's.
	reqBody []byte
	// streamID, for a continuation, is the id of the stream the client
	// saw begin: every relayed chunk gets it, and the continuation's own
	// preamble is dropped.
	streamID []byte
	// firstData is the first content chunk's data, kept when the route
	// continues cut streams.
	firstData []byte
}

// newTry starts the clock of an attempt sending body to t.
func (c *call) newTry(t *route.Target, body []byte) *try {
	c.attempts++
	a := &try{c: c, t: t, start: c.s.clock.Now(), up: dialect.For(t.Speaks()), reqBody: body}
	a.ctx, a.cancel = context.WithCancel(c.ctx)
	a.dog.start(c.s.clock, c.route.FirstToken(t, c.req.Stream), a.cancel)
	t.InFlight.Add(1)
	return a
}

// close ends the attempt: its watchdog, its context, its response.
func (a *try) close() {
	a.dog.stop()
	a.cancel()
	if a.resp != nil {
		a.resp.Body.Close()
	}
	a.t.InFlight.Add(-1)
}

// get sends the attempt and reads up to its first content. It does not
// write to the client.
func (a *try) get() *failure.Error {
	c := a.c
	header := c.header
	if a.up.ID() == translate.Anthropic && c.sameHeader != nil {
		header = c.sameHeader
	}
	resp, err := a.t.Provider.Chat(provider.WithConnectTimeout(a.ctx, c.route.Timeouts.Connect),
		provider.Call{Model: a.t.Model, Body: a.reqBody, Stream: c.req.Stream, Embeddings: c.embeddings(), Header: header})
	// Sent: a stream held open for minutes need not keep the body (a long
	// conversation is hundreds of KB), and the provider has let go of it.
	a.reqBody = nil
	if err != nil {
		return a.classify(err)
	}
	a.resp = resp
	if c.req.Stream {
		if a.up.ID() != c.client.ID() {
			if a.conv, err = translate.NewStream(a.up.ID(), c.client.ID(), c.req.IncludeUsage); err != nil {
				return failure.New(failure.Malformed, err)
			}
		}
		return a.firstChunk()
	}
	return a.readBody()
}

// bodyFor is the body an attempt on t sends: the client's body with t's
// model when t speaks the client's dialect (everything else is kept as
// it came), a translation otherwise; either way with the requested
// output capped at t's max_output_tokens. A *translate.Error says the request
// cannot be expressed for t.
func (c *call) bodyFor(t *route.Target, up dialect.Upstream) ([]byte, error) {
	if c.embeddings() && up.ID() != translate.OpenAI {
		return c.embeddingsBody(t, up)
	}
	if up.ID() == c.client.ID() {
		return c.client.RewriteModel(c.body, c.req, t.QuotedModel, int64(t.Caps.MaxOutputTokens)), nil
	}
	return translate.ConvertRequestCapped(c.client.ID(), up.ID(), c.body, t.Model, t.Caps.MaxOutputTokens)
}

// classify names the failure behind err. A cancelled context is told
// apart by who cancelled it: the client, a winning hedge, the watchdog or
// the deadline.
func (a *try) classify(err error) *failure.Error {
	if a.c.r.Context().Err() != nil || a.lost.Load() {
		return failure.New(failure.Canceled, err)
	}
	if k := a.dog.firedKind(); k != 0 {
		return failure.New(k, err)
	}
	if errors.Is(a.c.ctx.Err(), context.DeadlineExceeded) {
		return failure.New(failure.Deadline, err)
	}
	var fe *failure.Error
	if errors.As(err, &fe) {
		return fe
	}
	return failure.New(failure.StreamCut, err)
}

// readBody reads a non-streamed answer in full and checks it, so that a
// broken answer can still fail over.
func (a *try) readBody() *failure.Error {
	// A non-streamed answer's headers come when it is ready: that is its
	// time to first token, as far as the gateway can tell.
	a.ttft = a.c.s.since(a.start)
	a.dog.idle(a.c.s.clock, a.c.route.Timeouts.Idle)
	body, err := readAnswer(a.resp)
	if err != nil {
		return a.classify(err)
	}
	a.dog.stop()
	switch {
	case len(body) > maxResponseBody:
		return failure.Newf(failure.Malformed, "answer over %d bytes", maxResponseBody)
	case !jsonscan.Valid(body):
		return failure.Newf(failure.Malformed, "answer of %d bytes is not JSON", len(body))
	}
	if u, failed := a.up.BodyError(body); failed {
		return &failure.Error{Kind: failure.Malformed, Upstream: u}
	}
	switch {
	case a.c.embeddings() && a.up.ID() != translate.OpenAI:
		if body, err = translate.DecodeEmbeddings(a.up.ID(), a.t.Model, a.c.emb, body); err != nil {
			return failure.New(failure.Malformed, err)
		}
	case a.up.ID() != a.c.client.ID():
		if body, err = translate.ConvertResponse(a.up.ID(), a.c.client.ID(), body); err != nil {
			return failure.New(failure.Malformed, err)
		}
	}
	a.body = body
	return nil
}

// firstChunk reads a stream up to its first content chunk, holding the
// preamble (the role chunk) back: until then a failure is invisible to
// the client, and the request can still fail over.
func (a *try) firstChunk() *failure.Error {
	if ct, _, _ := mime.ParseMediaType(a.resp.Header.Get("Content-Type")); ct != "text/event-stream" {
		return failure.Newf(failure.Malformed, "stream answered with Content-Type %q", a.resp.Header.Get("Content-Type"))
	}
	a.rd = sse.NewReader(a.resp.Body)
	for {
		ev, err := a.rd.Next()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return a.classify(err)
		}
		if !ev.HasData {
			continue // a keep-alive comment: nothing to show yet
		}
		switch a.up.Classify(ev) {
		case dialect.Preamble:
			if a.streamID == nil {
				out, ferr := a.relayed(ev)
				if ferr != nil {
					return ferr
				}
				a.held = append(a.held, out...)
			}
			continue
		case dialect.ErrorEvent:
			return a.up.EventError(ev.Data)
		case dialect.Done:
			return failure.Newf(failure.Malformed, "stream ended before any content")
		case dialect.Garbage:
			return failure.Newf(failure.Malformed, "stream event is not of the provider's dialect")
		}
		out, ferr := a.relayed(ev)
		if ferr != nil {
			return ferr
		}
		a.held = append(a.held, out...)
		if a.c.continues(a) {
			a.firstData = append([]byte(nil), ev.Data...)
		}
		a.ttft = a.c.s.since(a.start)
		a.dog.idle(a.c.s.clock, a.c.route.Timeouts.Idle)
		return nil
	}
}

// deliver commits the request to the attempt's target and writes its
// answer. It returns nil when the client got the whole answer, and the
// failure otherwise: after commit, a failure is reported to the client by
// the stream itself. c.done is set either way.
func (a *try) deliver() *failure.Error {
	c := a.c
	c.served, c.done = a.t, true
	if !c.req.Stream {
		c.commit(a.t, "application/json")
		c.setHeader(slotContentLength, "Content-Length", itoa(len(a.body)))
		c.w.WriteHeader(http.StatusOK)
		_, _ = c.w.Write(a.body)
		c.outcome = metrics.OK
		return nil
	}
	c.commit(a.t, "text/event-stream")
	c.setHeader(slotCacheControl, "Cache-Control", "no-cache")
	c.setHeader(slotAccelBuffering, "X-Accel-Buffering", "no")
	c.w.WriteHeader(http.StatusOK)
	c.ttft = c.s.since(c.start)
	if c.continues(a) {
		c.streamID = openai.ChunkID(a.firstData)
		c.keep(a.firstData)
	} else {
		// Only a continuation reads the client's body after commit: a
		// stream held open for minutes need not keep it. It goes before
		// the first bytes do, so a client that has them holds a stream
		// that no longer keeps the body.
		c.body = nil
		// Nor the headers sent upstream, or the provider's answer headers
		// (a real provider's rate-limit and tracing headers come to 1-2 KB):
		// both are read before commit and never after.
		c.header, c.sameHeader = nil, nil
		a.resp.Header, a.resp.Request = nil, nil
	}
	if !c.send(a.held) {
		return c.clientGone()
	}
	a.held = nil
	return a.pump()
}

// commit sets the headers of an answer served by t. From here on the
// request is t's.
func (c *call) commit(t *route.Target, contentType string) {
	c.setHeader(slotContentType, "Content-Type", contentType)
	c.setHeader(slotTarget, HeaderTarget, t.Name)
	c.setHeader(slotAttempts, HeaderAttempts, itoa(c.attempts))
	if t != c.first {
		c.setHeader(slotFallback, HeaderFallback, "true")
	} else {
		c.setHeader(slotFallback, HeaderFallback, "false")
	}
}
