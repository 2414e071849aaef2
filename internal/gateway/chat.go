package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/openai"
	"github.com/backstophq/backstop/internal/retry"
	"github.com/backstophq/backstop/internal/route"
)

// call is one client request in flight. It is owned by the handler's
// goroutine; nothing else touches it.
type call struct {
	s     *Server
	st    *state
	w     http.ResponseWriter
	r     *http.Request
	route *route.Route
	req   openai.ChatRequest
	body  []byte
	id    string
	start time.Time
	// ctx is the client's context bounded by the route's total deadline.
	ctx context.Context
	// header is what every attempt propagates.
	header http.Header

	attempts int
	first    *route.Target // the first target tried
	// done is set once the client has its answer (or its stream's end);
	// no attempt may start after it.
	done    bool
	outcome string
	served  *route.Target
	ttft    time.Duration
	trail   []attemptRecord
}

// attemptRecord is one attempt as the request log shows it.
type attemptRecord struct {
	Target   string `json:"target"`
	Result   string `json:"result"`
	Millis   int64  `json:"ms"`
	Decision string `json:"next,omitempty"`
}

// chat serves POST /v1/chat/completions.
func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	c := &call{s: s, st: s.state.Load(), w: w, r: r, start: s.clock.Now(), id: requestID(r)}
	w.Header().Set(HeaderRequestID, c.id)
	defer c.finish()
	if !c.read() {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), c.route.Timeouts.Total)
	defer cancel()
	c.ctx = ctx
	c.header = propagated(r.Header, c.route.Headers, c.id)
	c.run()
}

// read reads and checks the request body and finds its route. It answers
// the client itself, and returns false, when the request is bad.
func (c *call) read() bool {
	body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, c.s.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.reject(http.StatusRequestEntityTooLarge, openai.Error{
				Type: openai.TypeInvalidRequest, Code: "request_too_large",
				Message: "The request body is larger than this gateway's limit of " + itoa(int(tooBig.Limit)) + " bytes.",
			})
			return false
		}
		c.outcome = metrics.Canceled
		return false
	}
	req, rerr := openai.ParseChat(body)
	if rerr != nil {
		c.reject(http.StatusBadRequest, openai.Error{Type: openai.TypeInvalidRequest, Param: rerr.Param, Code: rerr.Code, Message: rerr.Message})
		return false
	}
	rt := c.st.router.Route(req.Model)
	if rt == nil {
		c.reject(http.StatusNotFound, openai.Error{
			Type: openai.TypeInvalidRequest, Param: "model", Code: "model_not_found",
			Message: "The model `" + req.Model + "` does not exist on this gateway: it must name a route. GET /v1/models lists them.",
		})
		return false
	}
	c.body, c.req, c.route = body, req, rt
	c.w.Header().Set(HeaderRoute, rt.Name)
	return true
}

// reject answers a request the gateway refuses before any attempt.
func (c *call) reject(status int, e openai.Error) {
	c.outcome = metrics.BadRequest
	c.w.Header().Set(HeaderShouldRetry, "false")
	openai.WriteError(c.w, status, e)
}

// run tries the route's chain until a target answers, the failures run
// out of retries, or the client leaves.
func (c *call) run() {
	var buf [route.MaxChain]*route.Target
	chain := c.route.Chain(buf[:0])
	c.first = chain[0]
	var last *failure.Error
	var lastTarget *route.Target
	for i := 0; i < len(chain); i++ {
		t := chain[i]
		for tries := 1; ; tries++ {
			ferr := c.attempt(t)
			if ferr == nil {
				c.instruments(t).Attempt.Inc()
				return
			}
			c.instruments(t).Failed(ferr.Reason())
			if c.done {
				// The stream broke after commit; the client has been told.
				c.note(t, ferr, "")
				return
			}
			switch ferr.Kind {
			case failure.Canceled:
				c.note(t, ferr, "")
				c.outcome = metrics.Canceled
				return
			case failure.Deadline:
				c.note(t, ferr, "give_up")
				c.exhausted(t, last, true)
				return
			}
			last, lastTarget = ferr, t
			d := c.route.Retry.Decide(ferr, tries, i < len(chain)-1, c.remaining())
			c.note(t, ferr, d.Verdict.String())
			switch d.Verdict {
			case retry.Fatal:
				c.refused(t, ferr)
				return
			case retry.GiveUp:
				c.exhausted(lastTarget, last, false)
				return
			case retry.MoveOn:
				c.s.opts.Metrics.Fallbacks.WithLabelValues(c.route.Name, t.Name, chain[i+1].Name, ferr.Reason()).Inc()
			case retry.RetrySame:
				if c.wait(d.Wait) {
					continue
				}
				if c.r.Context().Err() != nil {
					c.outcome = metrics.Canceled
					return
				}
				c.exhausted(lastTarget, last, true)
				return
			}
			break
		}
	}
	c.exhausted(lastTarget, last, false)
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
