package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/backstophq/backstop/internal/bedrock"
)

// AfterRoleChunk is the value of Fault.HangAfterChunks,
// Fault.CutAfterChunks or Fault.OverloadedAfterChunks that makes the fault
// bite right after the role chunk (in the Anthropic dialect, after
// message_start, ping and the start of a text block), before any content
// chunk. A gateway that commits to a target at its first content chunk
// must still be free to fail over then.
const AfterRoleChunk = -1

// Fault is what a provider does wrong. The zero Fault does nothing wrong.
//
// A request that a fault applies to (see Share) goes through these stages,
// in this order; the first stage that ends the exchange wins:
//
//  1. Down: not a per-request stage. While Down is set the provider's
//     listener is closed, so connections are refused; Share is ignored.
//  2. Latency: wait before doing anything else.
//  3. Reset: reset the TCP connection, no response at all.
//  4. HangBeforeHeaders: never answer; end when the client goes away.
//  5. Status: answer Status with Body (or the dialect's error JSON for
//     Status).
//  6. Malformed: answer 200 with a body (or stream event) that is not JSON.
//  7. TTFT, TokensPerSecond, HangAfterChunks, CutAfterChunks and
//     OverloadedAfterChunks shape an otherwise normal answer.
//
// A "content chunk" is a stream event that carries answer text, a tool
// call's header or a fragment of its arguments; the role chunk, the finish
// chunk and the usage chunk are not content chunks. In the Anthropic
// dialect the content chunks are the content_block_delta events and the
// content_block_start of a tool_use block; message_start, ping, the start
// of a text block, content_block_stop, message_delta and message_stop are
// not.
type Fault struct {
	// Status is the HTTP status to answer, 400 to 599. 0 means no status
	// fault. The body is the error JSON for the status unless Body is set:
	// OpenAI's, or Anthropic's on the /v1/messages paths.
	Status int `json:"status,omitempty" yaml:"status,omitempty"`

	// Body is the raw body sent with Status, verbatim, with Content-Type
	// text/html when it starts with '<' and application/json otherwise. It
	// lets a test send an HTML 502 or an odd body. Requires Status.
	Body string `json:"body,omitempty" yaml:"body,omitempty"`

	// RetryAfter, with Status, sends a Retry-After header in whole seconds,
	// rounded up. 0 sends none.
	RetryAfter Duration `json:"retry_after,omitempty" yaml:"retry_after,omitempty"`

	// RetryAfterMs, with Status, sends a retry-after-ms header in whole
	// milliseconds, rounded up. 0 sends none.
	RetryAfterMs Duration `json:"retry_after_ms,omitempty" yaml:"retry_after_ms,omitempty"`

	// Latency is how long to wait before the response headers.
	Latency Duration `json:"latency,omitempty" yaml:"latency,omitempty"`

	// TTFT is, for a stream, the wait between the response headers and the
	// role chunk that comes just before the first content chunk. For a
	// non-streamed answer it is added to the wait before the headers.
	TTFT Duration `json:"ttft,omitempty" yaml:"ttft,omitempty"`

	// TokensPerSecond paces a stream: content chunks are 1/TokensPerSecond
	// apart. A non-streamed answer waits as long as its stream would have
	// taken before its headers. 0 means as fast as possible.
	TokensPerSecond float64 `json:"tokens_per_second,omitempty" yaml:"tokens_per_second,omitempty"`

	// HangBeforeHeaders accepts the request and never answers; the handler
	// returns when the client goes away or the simulator closes.
	HangBeforeHeaders bool `json:"hang_before_headers,omitempty" yaml:"hang_before_headers,omitempty"`

	// HangAfterChunks, when not 0, stops a stream after that many content
	// chunks (AfterRoleChunk: after the role chunk) and keeps the
	// connection open until the client goes away. When the answer has fewer
	// content chunks, the hang comes after the last one, before the finish
	// chunk, so the fault always bites. A non-streamed answer sends its
	// headers and the first half of its body, then hangs.
	HangAfterChunks int `json:"hang_after_chunks,omitempty" yaml:"hang_after_chunks,omitempty"`

	// CutAfterChunks is HangAfterChunks, except that the connection is
	// closed abruptly instead: the client reads an unexpected EOF, never a
	// [DONE].
	CutAfterChunks int `json:"cut_after_chunks,omitempty" yaml:"cut_after_chunks,omitempty"`

	// OverloadedAfterChunks is HangAfterChunks, except that the provider
	// reports that it is overloaded inside the stream, after the 200, and
	// ends the stream cleanly: Anthropic's `event: error` with
	// overloaded_error, or OpenAI's `data: {"error":{…}}` with server_error
	// (no [DONE]). A non-streamed answer is that error's status instead:
	// 529 overloaded_error, or 503 in the OpenAI dialect.
	OverloadedAfterChunks int `json:"overloaded_after_chunks,omitempty" yaml:"overloaded_after_chunks,omitempty"`

	// Exception names the Bedrock exception of a fault on the Bedrock paths
	// (/model/...): the X-Amzn-ErrorType of a Status fault (default: the
	// one Bedrock answers Status with), and the exception that
	// OverloadedAfterChunks sends inside the event stream (default
	// ServiceUnavailableException), e.g. "ThrottlingException" or
	// "ModelStreamErrorException". A non-streamed answer with
	// OverloadedAfterChunks is the exception's status instead. Other paths
	// ignore it.
	Exception string `json:"exception,omitempty" yaml:"exception,omitempty"`

	// Malformed answers 200 with a truncated JSON body, or, in a stream,
	// sends a `data: {not json` event after the role chunk, then [DONE].
	Malformed bool `json:"malformed,omitempty" yaml:"malformed,omitempty"`

	// Reset hijacks the connection and resets it (SO_LINGER 0, close), so
	// the client sees a connection error and no response.
	Reset bool `json:"reset,omitempty" yaml:"reset,omitempty"`

	// Down closes the provider's listener: connections are refused until
	// the fault is replaced or cleared, and then the provider listens on
	// the same address again. Open connections are closed too.
	Down bool `json:"down,omitempty" yaml:"down,omitempty"`

	// Share is the fraction of requests, within [0, 1], that the fault
	// applies to, drawn by the provider's seeded PRNG in request order.
	// 0 (unset) means 1: every request.
	Share float64 `json:"share,omitempty" yaml:"share,omitempty"`
}

// IsZero reports whether f does nothing wrong.
func (f Fault) IsZero() bool { return f == Fault{} }

// Validate refuses values that have no meaning, naming the field as it is
// spelled in JSON and YAML.
func (f Fault) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		bad("status = %d; must be 0 or within 400-599", f.Status)
	}
	if f.Status == 0 {
		if f.Body != "" {
			bad("body is set without status")
		}
		if f.RetryAfter != 0 || f.RetryAfterMs != 0 {
			bad("retry_after and retry_after_ms need a status")
		}
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{{"retry_after", f.RetryAfter}, {"retry_after_ms", f.RetryAfterMs}, {"latency", f.Latency}, {"ttft", f.TTFT}} {
		if d.v < 0 {
			bad("%s = %s; must be >= 0", d.name, d.v)
		}
	}
	if f.TokensPerSecond < 0 || math.IsNaN(f.TokensPerSecond) || math.IsInf(f.TokensPerSecond, 0) {
		bad("tokens_per_second = %v; must be a finite number >= 0", f.TokensPerSecond)
	}
	var mid []string
	for _, c := range []struct {
		name string
		v    int
	}{{"hang_after_chunks", f.HangAfterChunks}, {"cut_after_chunks", f.CutAfterChunks}, {"overloaded_after_chunks", f.OverloadedAfterChunks}} {
		if c.v < AfterRoleChunk {
			bad("%s = %d; must be >= -1", c.name, c.v)
		}
		if c.v != 0 {
			mid = append(mid, c.name)
		}
	}
	switch len(mid) {
	case 2:
		bad("%s are both set; choose one", strings.Join(mid, " and "))
	case 3:
		bad("%s are all set; choose one", strings.Join(mid, ", "))
	}
	if _, ok := bedrock.LookupException(f.Exception); f.Exception != "" && !ok {
		bad("exception = %q; must be one of Bedrock's exceptions, e.g. ThrottlingException", f.Exception)
	}
	if f.Share < 0 || f.Share > 1 || math.IsNaN(f.Share) {
		bad("share = %v; must be within [0, 1]", f.Share)
	}
	return errors.Join(errs...)
}

// share is the effective fraction of requests the fault applies to.
func (f Fault) share() float64 {
	if f.Share == 0 {
		return 1
	}
	return f.Share
}

// afterChunks reports whether a mid-answer fault (hang, cut or overloaded)
// is set and after how many content chunks it bites (0 for AfterRoleChunk).
func (f Fault) afterChunks() (n int, set bool) {
	v := f.HangAfterChunks
	if v == 0 {
		v = f.CutAfterChunks
	}
	if v == 0 {
		v = f.OverloadedAfterChunks
	}
	switch {
	case v == 0:
		return 0, false
	case v == AfterRoleChunk:
		return 0, true
	default:
		return v, true
	}
}

// String is a compact description for logs and the CLI, fields in JSON
// spelling, e.g. "status=503 retry_after=2s share=0.3".
func (f Fault) String() string {
	if f.IsZero() {
		return "none"
	}
	var parts []string
	add := func(cond bool, k string, v any) {
		if cond {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	add(f.Down, "down", true)
	add(f.Status != 0, "status", f.Status)
	add(f.Body != "", "body", strconv.Quote(truncate(f.Body, 24)))
	add(f.RetryAfter != 0, "retry_after", f.RetryAfter)
	add(f.RetryAfterMs != 0, "retry_after_ms", f.RetryAfterMs)
	add(f.Latency != 0, "latency", f.Latency)
	add(f.TTFT != 0, "ttft", f.TTFT)
	add(f.TokensPerSecond != 0, "tokens_per_second", f.TokensPerSecond)
	add(f.HangBeforeHeaders, "hang_before_headers", true)
	add(f.HangAfterChunks != 0, "hang_after_chunks", f.HangAfterChunks)
	add(f.CutAfterChunks != 0, "cut_after_chunks", f.CutAfterChunks)
	add(f.OverloadedAfterChunks != 0, "overloaded_after_chunks", f.OverloadedAfterChunks)
	add(f.Exception != "", "exception", f.Exception)
	add(f.Malformed, "malformed", true)
	add(f.Reset, "reset", true)
	add(f.Share != 0, "share", f.Share)
	return strings.Join(parts, " ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Duration is a time.Duration that reads and writes as a Go duration string
// ("250ms", "1m30s") in JSON and YAML.
type Duration time.Duration

// D is the time.Duration value of d.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string such as "250ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"250ms\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q: want a form such as \"250ms\" or \"2s\"", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes d as a duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a duration string such as 250ms; errors name the line.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return &yaml.TypeError{Errors: []string{
			fmt.Sprintf("line %d: invalid duration %q: want a form such as 250ms or 2s", n.Line, n.Value),
		}}
	}
	*d = Duration(v)
	return nil
}

// ceilUnits is d in whole units, rounded up, for Retry-After headers.
func ceilUnits(d, unit time.Duration) int64 {
	return int64((d + unit - 1) / unit)
}
