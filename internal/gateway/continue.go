package gateway

import (
	"github.com/backstophq/backstop/internal/breaker"
	"github.com/backstophq/backstop/internal/dialect"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/openai"
	"github.com/backstophq/backstop/internal/route"
	"github.com/backstophq/backstop/internal/translate"
)

// continues reports whether a stream relayed from a is one the route would
// continue if it were cut: the route asks for it, and client and provider
// both speak OpenAI (continuing a translated stream is not done yet).
func (c *call) continues(a *try) bool {
	return c.route.ContinueOnCut && a.conv == nil && c.client.ID() == translate.OpenAI
}

// keep adds a relayed chunk's text to the partial answer, for a route
// that continues cut streams.
func (c *call) keep(data []byte) {
	text, tool := openai.DeltaText(data)
	c.partial = append(c.partial, text...)
	c.sawTool = c.sawTool || tool
}

// cut handles a committed stream that failed upstream: when the route
// continues cut streams and the answer can be continued, a prefill-capable
// target picks it up and the client sees one stream; otherwise the client
// gets an error event and no [DONE]. It returns ferr, the failure of the
// attempt that broke, for that attempt's accounting.
func (c *call) cut(a *try, ferr *failure.Error) *failure.Error {
	if c.continues(a) && !c.sawTool && !c.continued && c.r.Context().Err() == nil && c.ctx.Err() == nil {
		c.continued = true
		if t, permit, ok := c.continuationTarget(a.t); ok {
			if c.continueOn(t, permit, a.t, ferr) {
				return ferr
			}
		}
	}
	return c.broken(ferr)
}

// continuationTarget picks where a stream cut on target from continues:
// the first target after it in the request's chain that takes a prefill
// and whose breaker allows an attempt, else such a target before it.
func (c *call) continuationTarget(from *route.Target) (*route.Target, breaker.Permit, bool) {
	at := 0
	for i, t := range c.chain {
		if t == from {
			at = i
		}
	}
	n := len(c.chain)
	for k := 1; k < n; k++ {
		t := c.chain[(at+k)%n]
		if !t.Prefill || dialect.For(t.Speaks()).ID() != translate.OpenAI || t.Lacks(c.req.Needs) != "" {
			continue
		}
		b := c.route.Breaker(t)
		if b == nil {
			return t, breaker.Permit{}, true
		}
		if p, ok := b.Allow(); ok {
			return t, p, true
		}
	}
	return nil, breaker.Permit{}, false
}

// continueOn sends the conversation and the partial answer, as an
// assistant prefill, to t, and relays t's answer as the rest of the
// client's stream: without t's preamble and with the id of the stream the
// client saw begin. It reports whether the client got the rest of its
// answer, or at least its beginning: after t's first content chunk, a
// failure of t is the stream's end, told to the client by t's pump.
func (c *call) continueOn(t *route.Target, permit breaker.Permit, from *route.Target, cause *failure.Error) bool {
	body, err := openai.WithAssistantPrefill(c.client.RewriteModel(c.body, c.req, t.QuotedModel, int64(t.Caps.MaxOutputTokens)), string(c.partial))
	if err != nil {
		permit.Report(false, false)
		return false
	}
	a := c.newTry(t, body)
	a.streamID = c.streamID
	ferr := a.get()
	if ferr != nil {
		a.close()
		c.account(a, permit, ferr)
		c.note(t, ferr, "continuation_failed")
		c.s.opts.Metrics.Continuations.WithLabelValues(c.route.Name, from.Name, t.Name, ferr.Reason()).Inc()
		return false
	}
	c.served = t
	if !c.send(a.held) {
		a.close()
		c.account(a, permit, failure.New(failure.Canceled, nil))
		c.clientGone()
		return true
	}
	ferr = a.pump()
	a.close()
	c.account(a, permit, ferr)
	result := metrics.OK
	if ferr != nil {
		result = ferr.Reason()
	}
	c.s.opts.Metrics.Continuations.WithLabelValues(c.route.Name, from.Name, t.Name, result).Inc()
	c.trail = append(c.trail, attemptRecord{Target: from.Name, Result: cause.Reason(), Millis: c.s.since(c.start).Milliseconds(), Decision: "continued_on_" + t.Name})
	return true
}
