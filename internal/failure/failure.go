// Package failure types what can go wrong in one attempt, so that retry,
// failover, breakers and metrics decide from a kind and a status, never
// from an error's text.
package failure

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Kind is the class of an attempt's failure.
type Kind uint8

const (
	// Status: the provider answered with an HTTP error status.
	Status Kind = iota + 1
	// Connect: no connection could be made (refused, reset before any
	// response, DNS, TLS handshake, connect timeout).
	Connect
	// Timeout: the first token (or a non-streamed response) did not come
	// within the first-token timeout.
	Timeout
	// Idle: a stream or a body stalled for longer than the idle timeout.
	Idle
	// StreamCut: the response ended or broke before it was complete.
	StreamCut
	// Malformed: the provider sent something that is not its dialect
	// (invalid JSON, a broken event).
	Malformed
	// Canceled: the client went away. Never the provider's fault.
	Canceled
	// Deadline: the route's total deadline ran out.
	Deadline
	// ContextLength: the provider refused the request as longer than its
	// model's context window (a 400 of a known shape; see
	// IsContextLength). Status keeps the provider's status. A route with
	// a context_fallback sends the request there; otherwise it is the
	// client's 400.
	ContextLength
)

var kindNames = [...]string{
	Status:    "status",
	Connect:   "connect",
	Timeout:   "timeout",
	Idle:      "idle",
	StreamCut: "stream_cut",
	Malformed: "malformed",
	Canceled:  "canceled",
	Deadline:  "deadline",
	// ContextLength is its own label so that metrics tell an oversized
	// prompt from other 400s.
	ContextLength: "context_length",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// Error is one attempt's failure.
type Error struct {
	Kind Kind
	// Status is the provider's HTTP status, for Kind Status.
	Status int
	// RetryAfter is how long the provider asked us to wait (Retry-After,
	// retry-after-ms); 0 when it did not say.
	RetryAfter time.Duration
	// Upstream is the provider's error, as far as it could be parsed from
	// its body. It is never shown to a client as is.
	Upstream UpstreamError
	// Err is the cause, for logs. It may hold provider text; it is not for
	// clients either.
	Err error
}

// UpstreamError is the part of a provider's error body that is worth
// keeping: its type, code, param and message.
type UpstreamError struct {
	Type, Code, Param, Message string
}

func (e *Error) Error() string {
	msg := e.Kind.String()
	if e.Kind == Status {
		msg = "status " + strconv.Itoa(e.Status)
	}
	if e.Upstream.Message != "" {
		msg += ": " + e.Upstream.Message
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Reason is the failure as a short, bounded label for metrics and logs:
// the kind, or the status code for Kind Status.
func (e *Error) Reason() string {
	if e.Kind == Status {
		return statusReason(e.Status)
	}
	return e.Kind.String()
}

// statusReason avoids formatting the common codes on every failure.
func statusReason(code int) string {
	switch code {
	case 400:
		return "400"
	case 408:
		return "408"
	case 429:
		return "429"
	case 500:
		return "500"
	case 502:
		return "502"
	case 503:
		return "503"
	case 504:
		return "504"
	case 529:
		return "529"
	}
	if code < 100 || code > 599 {
		return "status_other"
	}
	return strconv.Itoa(code)
}

// Action is what a failure calls for.
type Action uint8

const (
	// MoveOn: go to the next target now (the provider is down or broken).
	MoveOn Action = iota + 1
	// BackOff: the provider asked us to slow down; wait and retry it, or
	// move on if the wait is too long.
	BackOff
	// Stop: retrying cannot help (a bad request, a client that left).
	Stop
)

// Action says what the failure calls for, by its kind and status alone.
// Whether a route retries it at all is the route's policy.
func (e *Error) Action() Action {
	switch e.Kind {
	case Canceled, Deadline, ContextLength:
		return Stop
	case Status:
		switch {
		case e.Status == 429 || e.Status == 408:
			return BackOff
		case e.Status >= 500:
			return MoveOn
		default:
			return Stop
		}
	default:
		return MoveOn
	}
}

// CountsAgainstProvider reports whether the failure says something about
// the provider's health. A client that left, a deadline spent on earlier
// attempts and a bad request are not the provider's fault.
func (e *Error) CountsAgainstProvider() bool {
	switch e.Kind {
	case Canceled, Deadline, ContextLength:
		return false
	case Status:
		return e.Status >= 500 || e.Status == 408 || e.Status == 429
	}
	return true
}

// New returns an Error of kind k caused by err.
func New(k Kind, err error) *Error { return &Error{Kind: k, Err: err} }

// Newf returns an Error of kind k with a formatted cause.
func Newf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Err: fmt.Errorf(format, args...)}
}

// As returns err as an *Error, or wraps it as a Connect failure when it is
// some other error (a transport error that was not classified).
func As(err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	return &Error{Kind: Connect, Err: err}
}
