package gateway

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/dialect"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/route"
)

// maxAdvertisedRetry caps the Retry-After the gateway passes on from a
// provider: every SDK honours waits up to a minute, and some give up
// entirely on longer ones.
const maxAdvertisedRetry = 60 * time.Second

// exhausted answers a request whose attempts all failed: the route's
// polite message as a normal answer when it has one, otherwise a clean
// error in the client's dialect. last is the last failure (nil when the
// deadline ran out before any attempt failed); deadline reports that the
// total deadline, not the chain, ran out.
func (c *call) exhausted(t *route.Target, last *failure.Error, deadline bool) {
	if c.attempts == 0 && c.untranslatable != nil {
		// No target of the route can express this request.
		e := c.untranslatable
		code := c.unservableCode
		if code == "" {
			code = "unsupported_parameter"
		}
		c.reject(dialect.APIError{Status: http.StatusBadRequest, Param: e.Param, Code: code,
			Message: "No target of route `" + c.route.Name + "` can take this request: " + e.Error()})
		c.done = true
		return
	}
	c.done = true
	h := c.w.Header()
	h.Set(HeaderAttempts, itoa(c.attempts))
	h.Set(HeaderExhausted, "true")
	if c.route.Exhausted != "" && !c.embeddings() {
		c.outcome = metrics.ExhaustedMessage
		if c.req.Stream {
			h.Set("Content-Type", "text/event-stream")
			h.Set("Cache-Control", "no-cache")
			c.w.WriteHeader(http.StatusOK)
			c.send(c.client.AnswerStream(c.id, c.route.Name, c.start.Unix(), c.route.Exhausted, c.req.IncludeUsage))
			return
		}
		body := c.client.Answer(c.id, c.route.Name, c.start.Unix(), c.route.Exhausted)
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", itoa(len(body)))
		c.w.WriteHeader(http.StatusOK)
		_, _ = c.w.Write(body)
		return
	}
	c.outcome = metrics.ExhaustedError
	status, wait := http.StatusServiceUnavailable, c.route.ExhaustedRetryAfter
	if last != nil && last.Kind == failure.Status && last.Status == http.StatusTooManyRequests {
		status = http.StatusTooManyRequests
	}
	if last != nil && last.RetryAfter > 0 && last.RetryAfter <= maxAdvertisedRetry {
		wait = last.RetryAfter
	}
	if deadline {
		status = http.StatusGatewayTimeout
	}
	secs := int((wait + time.Second - 1) / time.Second)
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("Retry-After-Ms", strconv.FormatInt(wait.Milliseconds(), 10))
	h.Set(HeaderShouldRetry, "false")
	c.client.WriteError(c.w, dialect.APIError{Status: status, Code: "backstop_exhausted", Message: c.exhaustedMessage(t, last, deadline, secs)}, c.id)
}

func (c *call) exhaustedMessage(t *route.Target, last *failure.Error, deadline bool, secs int) string {
	msg := "Every target of route `" + c.route.Name + "` failed"
	if deadline {
		msg = "Route `" + c.route.Name + "` ran out of its " + c.route.Timeouts.Total.String() + " deadline"
	}
	msg += " after " + itoa(c.attempts) + " attempts"
	if last != nil && t != nil {
		msg += "; the last, on target `" + t.Name + "`, failed with " + last.Reason()
	}
	return msg + ". Try again in " + strconv.Itoa(secs) + "s."
}

// refused answers a request that target t refused with a failure the
// route does not retry. A client error (400, 413, 422…) keeps its status
// and the provider's message, which says what to fix. A refusal that is
// about the gateway's own credentials or config (401, 403, 404) becomes a
// 502, since the client cannot fix it, and its text, which may quote a
// masked key, is not passed on.
func (c *call) refused(t *route.Target, ferr *failure.Error) {
	c.done = true
	c.outcome = metrics.UpstreamRefused
	h := c.w.Header()
	h.Set(HeaderTarget, t.Name)
	h.Set(HeaderAttempts, itoa(c.attempts))
	h.Set(HeaderShouldRetry, "false")
	if (ferr.Kind == failure.Status || ferr.Kind == failure.ContextLength) && ferr.Status >= 400 && ferr.Status < 500 &&
		ferr.Status != http.StatusUnauthorized && ferr.Status != http.StatusForbidden && ferr.Status != http.StatusNotFound {
		u := ferr.Upstream
		msg := u.Message
		if msg == "" {
			msg = "Target `" + t.Name + "` refused the request with status " + strconv.Itoa(ferr.Status) + "."
		}
		c.client.WriteError(c.w, dialect.APIError{Status: ferr.Status, Type: u.Type, Code: u.Code, Param: u.Param, Message: msg}, c.id)
		return
	}
	status := http.StatusBadGateway
	if ferr.Kind == failure.Timeout || ferr.Kind == failure.Idle {
		status = http.StatusGatewayTimeout
	}
	c.client.WriteError(c.w, dialect.APIError{
		Status: status, Code: "upstream_error",
		Message: "Target `" + t.Name + "` of route `" + c.route.Name + "` failed with " + ferr.Reason() + ", which this route does not retry.",
	}, c.id)
}

// finish records the request in metrics and the log once it is over.
func (c *call) finish() {
	elapsed := c.s.since(c.start)
	routeName, target := "", ""
	if c.route != nil {
		routeName = c.route.Name
	}
	if c.served != nil {
		target = c.served.Name
	}
	if c.outcome == "" {
		// A panic or an unforeseen return: count it, never drop it.
		c.outcome = metrics.StreamFailed
	}
	if c.route != nil && c.served != nil {
		in := c.instruments(c.served)
		in.Request(c.outcome)
		in.Latency.Observe(elapsed.Seconds())
		if c.ttft > 0 {
			in.TTFT.Observe(c.ttft.Seconds())
		}
	} else {
		c.s.opts.Metrics.Requests.WithLabelValues(routeName, target, c.outcome).Inc()
	}
	if !c.s.opts.LogRequests {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", c.id),
		slog.String("route", routeName),
		slog.String("target", target),
		slog.String("outcome", c.outcome),
		slog.Int("attempts", c.attempts),
		slog.Bool("stream", c.req.Stream),
		slog.Int64("ms", elapsed.Milliseconds()),
	}
	if c.ttft > 0 {
		attrs = append(attrs, slog.Int64("ttft_ms", c.ttft.Milliseconds()))
	}
	if len(c.trail) > 0 {
		attrs = append(attrs, slog.Any("failures", c.trail))
	}
	c.s.log.LogAttrs(c.r.Context(), slog.LevelInfo, "request", attrs...)
}
