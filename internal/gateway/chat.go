package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/backstophq/backstop/internal/breaker"
	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/dialect"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/retry"
	"github.com/backstophq/backstop/internal/route"
	"github.com/backstophq/backstop/internal/translate"
)

// call is one client request in flight. It is owned by the handler's
// goroutine; nothing else touches it.
type call struct {
	s     *Server
	st    *state
	w     http.ResponseWriter
	r     *http.Request
	route *route.Route
	// client is the dialect the client speaks; req its request.
	client dialect.Dialect
	req    dialect.Request
	body   []byte
	id     string
	start  time.Time
	// ctx is the client's context bounded by the route's total deadline.
	ctx context.Context
	// header is what every attempt propagates; sameHeader, for an
	// Anthropic client, adds its anthropic-version and anthropic-beta for
	// Anthropic providers.
	header, sameHeader http.Header

	attempts int
	hedges   int // hedges started: at most one
	chain    []*route.Target
	// partial is the text relayed so far, sawTool whether a tool call was,
	// streamID the stream's id, and continued whether a continuation was
	// tried: what continuing a cut stream needs.
	partial   []byte
	sawTool   bool
	streamID  []byte
	continued bool
	// untranslatable is why a target could not take the request, for the
	// client when none could.
	untranslatable *translate.Error
	// unservableCode is the error code of the 400 when no target can
	// take the request ("" for unsupported_parameter).
	unservableCode string
	// emb is an embeddings request as read for translation, or embErr why
	// it cannot be translated; see embeddingsBody.
	emb    *translate.EmbeddingsRequest
	embErr error
	// overContext is set once the request is known to be too long for a
	// target (by estimate, or by the provider's context-length error):
	// the route's context_fallback may then take it.
	overContext bool
	first       *route.Target // the first target tried
	// last is the last failure, on lastTarget: what an exhausted request
	// reports.
	last       *failure.Error
	lastTarget *route.Target

	// done is set once the client has its answer (or its stream's end);
	// no attempt may start after it.
	done    bool
	outcome string
	served  *route.Target
	ttft    time.Duration
	trail   []attemptRecord
	// headerValues holds the values of the answer's headers; see setHeader.
	headerValues [numSlots]string
}

// attemptRecord is one attempt as the request log shows it.
type attemptRecord struct {
	Target   string `json:"target"`
	Result   string `json:"result"`
	Millis   int64  `json:"ms"`
	Decision string `json:"next,omitempty"`
}

// chat serves a chat request of a client speaking d: POST
// /v1/chat/completions (OpenAI) or POST /v1/messages (Anthropic).
func (s *Server) chat(w http.ResponseWriter, r *http.Request, d dialect.Dialect) {
	c := &call{s: s, st: s.state.Load(), w: w, r: r, start: s.clock.Now(), id: requestID(r), client: d}
	c.setHeader(slotRequestID, HeaderRequestID, c.id)
	defer c.finish()
	if !c.read() {
		return
	}
	var ctx context.Context
	var cancel context.CancelFunc
	if total := c.route.Timeouts.Total; total > 0 {
		ctx, cancel = context.WithTimeout(r.Context(), total)
	} else { // 0: no deadline of the route's own
		ctx, cancel = context.WithCancel(r.Context())
	}
	defer cancel()
	c.ctx = ctx
	c.header = propagated(r.Header, c.route.Headers, c.headerValue(slotRequestID))
	if d.ID() == translate.Anthropic {
		c.sameHeader = withAnthropicHeaders(c.header, r.Header)
	}
	c.run()
}

// read reads and checks the request body and finds its route. It answers
// the client itself, and returns false, when the request is bad.
func (c *call) read() bool {
	body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, c.s.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.reject(dialect.APIError{
				Status: http.StatusRequestEntityTooLarge, Code: "request_too_large",
				Message: "The request body is larger than this gateway's limit of " + itoa(int(tooBig.Limit)) + " bytes.",
			})
			return false
		}
		c.outcome = metrics.Canceled
		return false
	}
	req, rerr := c.client.Parse(body)
	if rerr != nil {
		c.reject(*rerr)
		return false
	}
	rt := c.st.router.Route(req.Model)
	if rt == nil {
		c.reject(dialect.APIError{
			Status: http.StatusNotFound, Param: "model", Code: "model_not_found",
			Message: "The model `" + req.Model + "` does not exist on this gateway: it must name a route. GET /v1/models lists them.",
		})
		return false
	}
	c.body, c.req, c.route = body, req, rt
	c.setHeader(slotRoute, HeaderRoute, rt.Name)
	return true
}

// reject answers a request the gateway refuses before any attempt.
func (c *call) reject(e dialect.APIError) {
	c.outcome = metrics.BadRequest
	c.w.Header().Set(HeaderShouldRetry, "false")
	c.client.WriteError(c.w, e, c.id)
}

// run tries the route's chain until a target answers, the failures run
// out of retries, or the client leaves.
func (c *call) run() {
	var buf [route.MaxChain]*route.Target
	chain, drill := c.route.Plan(buf[:0])
	c.first, c.chain = chain[0], chain
	if c.route.Hedge != nil {
		c.route.Hedge.Deposit()
	}
	if drill {
		c.w.Header().Set(HeaderDrill, "true")
		defer c.drilled(chain[0])
	}
	for i := 0; i < len(chain); {
		over, next := c.onTarget(chain, i)
		if over {
			return
		}
		i = next
	}
	if f := c.route.ContextFallback; f != nil && c.overContext && !slices.Contains(chain, f) {
		// The request is too long for the targets it would have used.
		only := [1]*route.Target{f}
		if over, _ := c.onTarget(only[:], 0); over {
			return
		}
	}
	c.exhausted(c.lastTarget, c.last, false)
}

// drilled counts a fire drill on fallback t: "ok" when t served, else the
// reason its attempt failed.
func (c *call) drilled(t *route.Target) {
	result := metrics.OK
	if c.served != t {
		result = "failed"
		for _, a := range c.trail {
			if a.Target == t.Name {
				result = a.Result
				break
			}
		}
	}
	c.s.opts.Metrics.Drills.WithLabelValues(c.route.Name, t.Name, result).Inc()
}

// onTarget makes the attempts on chain[i] that the retry policy allows,
// with a hedge on chain[i+1] when the route hedges. It returns over when
// the request is over (answered, refused, exhausted or abandoned by its
// client), else the index of the next target to try.
func (c *call) onTarget(chain []*route.Target, i int) (over bool, next int) {
	t := chain[i]
	body, ok := c.sendable(t)
	if !ok {
		return false, i + 1
	}
	for tries := 1; ; tries++ {
		permit, admitted := c.admit(chain, i)
		if !admitted {
			c.skip(t, "breaker_open")
			return false, i + 1
		}
		r := c.race(chain, i, tries, outcome{a: c.newTry(t, body), permit: permit})
		if r.win != nil {
			ferr := r.win.a.deliver()
			r.win.a.close()
			c.account(r.win.a, r.win.permit, ferr)
			if ferr != nil {
				// The stream broke after commit; the client has been told.
				c.note(r.win.a.t, ferr, "")
			}
			return true, 0
		}
		at, ferr := r.failed.a.t, r.failed.err
		if r.hedged {
			// Both the target and its hedge failed: carry on after both.
			i, tries = i+1, 1
		}
		switch ferr.Kind {
		case failure.Canceled:
			c.note(at, ferr, "")
			c.outcome = metrics.Canceled
			return true, 0
		case failure.Deadline:
			c.note(at, ferr, "give_up")
			c.exhausted(at, c.last, true)
			return true, 0
		}
		c.last, c.lastTarget = ferr, at
		if ferr.Kind == failure.ContextLength {
			c.overContext = true
			if j := c.contextFallback(chain, i); j >= 0 {
				c.note(at, ferr, "context_fallback")
				c.s.opts.Metrics.Fallbacks.WithLabelValues(c.route.Name, at.Name, c.route.ContextFallback.Name, ferr.Reason()).Inc()
				return false, j
			}
		}
		d := c.route.Retry.Decide(ferr, tries, i < len(chain)-1, c.remaining())
		if d.Verdict == retry.RetrySame && r.hedged {
			d.Verdict = retry.MoveOn // a hedged pair is not retried
			if i == len(chain)-1 {
				d.Verdict = retry.GiveUp
			}
		}
		c.note(at, ferr, d.Verdict.String())
		switch d.Verdict {
		case retry.Fatal:
			c.refused(at, ferr)
			return true, 0
		case retry.GiveUp:
			c.exhausted(c.lastTarget, c.last, false)
			return true, 0
		case retry.MoveOn:
			c.s.opts.Metrics.Fallbacks.WithLabelValues(c.route.Name, at.Name, chain[i+1].Name, ferr.Reason()).Inc()
			return false, i + 1
		}
		// retry.RetrySame
		if !c.wait(d.Wait) {
			if c.r.Context().Err() != nil {
				c.outcome = metrics.Canceled
			} else {
				c.exhausted(c.lastTarget, c.last, true)
			}
			return true, 0
		}
	}
}

// embeddings reports whether the request is for embeddings: passed as
// it came to OpenAI-dialect targets, translated for Gemini and Bedrock
// (see embeddingsBody), refused by the others.
func (c *call) embeddings() bool { return c.client == dialect.OpenAIEmbeddings }

// sendable returns the body an attempt on t sends. When the request cannot
// be expressed in t's dialect (a field t's API lacks, such as n > 1 for
// Anthropic), t is skipped for this request: ok is false, and the reason
// is kept in case no target can take the request.
func (c *call) sendable(t *route.Target) (body []byte, ok bool) {
	if lack := t.Lacks(c.req.Needs); lack != "" {
		c.lacking(t, lack)
		return nil, false
	}
	body, err := c.bodyFor(t, dialect.For(t.Speaks()))
	if err == nil {
		return body, true
	}
	var te *translate.Error
	if errors.As(err, &te) {
		c.untranslatable = te
	} else {
		c.untranslatable = &translate.Error{Message: err.Error()}
	}
	c.unservableCode = ""
	c.skip(t, "cannot_translate")
	return nil, false
}

// skip notes a target the request did not try, and why, in the request
// log and the x-backstop-skipped header. A skip is no failure of the
// target's: nothing is recorded against its health or breaker.
func (c *call) skip(t *route.Target, why string) {
	c.trail = append(c.trail, attemptRecord{Target: t.Name, Result: why, Millis: c.s.since(c.start).Milliseconds(), Decision: "skip"})
	c.w.Header().Add(HeaderSkipped, t.Name+"="+why)
}

// admit asks chain[i]'s breaker for an attempt. A route never ejects all
// of its targets: when this target's breaker is open and so is every one
// after it (open targets are sorted last) and nothing has been tried yet,
// the target is tried anyway, without a permit. The permit is the zero
// value when there is none to report.
func (c *call) admit(chain []*route.Target, i int) (breaker.Permit, bool) {
	b := c.route.Breaker(chain[i])
	if b == nil {
		return breaker.Permit{}, true
	}
	if p, ok := b.Allow(); ok {
		return p, true
	}
	if c.attempts > 0 {
		return breaker.Permit{}, false
	}
	for _, t := range chain[i:] {
		if nb := c.route.Breaker(t); nb != nil && nb.State() != breaker.Open {
			return breaker.Permit{}, false
		}
	}
	return breaker.Permit{}, true
}

// account records an attempt's outcome: its metric, the target's passive
// health and the breaker's verdict. Failures that say nothing about the
// target (the client left, a bad request) count for neither.
func (c *call) account(a *try, permit breaker.Permit, ferr *failure.Error) {
	success := ferr == nil
	counted := success || ferr.CountsAgainstProvider()
	if success {
		c.instruments(a.t).Attempt.Inc()
	} else {
		c.instruments(a.t).Failed(ferr.Reason())
	}
	a.t.Health.Record(health.Outcome{Success: success, Counted: counted, Latency: c.s.since(a.start), TTFT: a.ttft})
	permit.Report(success, counted)
}

// remaining is what is left of the request's total deadline.
func (c *call) remaining() time.Duration {
	dl, ok := c.ctx.Deadline()
	if !ok {
		return time.Duration(1<<63 - 1)
	}
	return time.Until(dl)
}

// wait sleeps d before a retry on the same target. It reports false if
// the client left or the deadline ran out first.
func (c *call) wait(d time.Duration) bool {
	return clock.Sleep(c.ctx, c.s.clock, d) == nil
}

func (c *call) instruments(t *route.Target) *metrics.Target {
	return c.st.instruments[instrumentKey{c.route, t}]
}

// note records a failed attempt in the request's trail.
func (c *call) note(t *route.Target, ferr *failure.Error, next string) {
	c.trail = append(c.trail, attemptRecord{Target: t.Name, Result: ferr.Reason(), Millis: c.s.since(c.start).Milliseconds(), Decision: next})
}
