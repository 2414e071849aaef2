package anthropic

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Error types, as Anthropic names them, with the status each goes with.
const (
	TypeInvalidRequest  = "invalid_request_error" // 400
	TypeAuthentication  = "authentication_error"  // 401
	TypeBilling         = "billing_error"         // 402
	TypePermission      = "permission_error"      // 403
	TypeNotFound        = "not_found_error"       // 404
	TypeRequestTooLarge = "request_too_large"     // 413
	TypeRateLimit       = "rate_limit_error"      // 429
	TypeAPI             = "api_error"             // 500
	TypeTimeout         = "timeout_error"         // 504
	TypeOverloaded      = "overloaded_error"      // 529
)

// StatusOverloaded is the status Anthropic answers when it is overloaded.
// net/http has no name for it.
const StatusOverloaded = 529

// statusOf maps every type above to its status; StatusOf and TypeForStatus
// both read it, so the two directions cannot disagree.
var statusOf = map[string]int{
	TypeInvalidRequest:  http.StatusBadRequest,
	TypeAuthentication:  http.StatusUnauthorized,
	TypeBilling:         http.StatusPaymentRequired,
	TypePermission:      http.StatusForbidden,
	TypeNotFound:        http.StatusNotFound,
	TypeRequestTooLarge: http.StatusRequestEntityTooLarge,
	TypeRateLimit:       http.StatusTooManyRequests,
	TypeAPI:             http.StatusInternalServerError,
	TypeTimeout:         http.StatusGatewayTimeout,
	TypeOverloaded:      StatusOverloaded,
}

// Error is the error object of an Anthropic error response or stream
// error event.
type Error struct {
	Type    string
	Message string
}

type errorFields struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

type errorBody struct {
	Type      string      `json:"type"` // always "error"
	Error     errorFields `json:"error"`
	RequestID string      `json:"request_id,omitempty"`
}

// JSON returns e as Anthropic's error body,
// {"type":"error","error":{"type","message"},"request_id"}; request_id is
// left out when requestID is "".
func (e Error) JSON(requestID string) []byte {
	b, _ := json.Marshal(errorBody{Type: "error", Error: errorFields(e), RequestID: requestID})
	return b
}

// WriteError writes e as a complete error response with the given status,
// and requestID, when not "", in the body and the request-id header (where
// anthropic-sdk-go looks for it). Other headers already set on w (route,
// retry-after) are kept.
func WriteError(w http.ResponseWriter, status int, e Error, requestID string) {
	body := e.JSON(requestID)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if requestID != "" {
		h.Set("Request-Id", requestID)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// StreamError returns e as one SSE event, for a stream that has already
// begun. The event: line is what matters: anthropic-sdk-go dispatches on it
// and raises an "error" event as an error, and skips events without one.
func StreamError(e Error) []byte {
	body := e.JSON("")
	out := make([]byte, 0, len(body)+22)
	out = append(out, "event: error\ndata: "...)
	out = append(out, body...)
	return append(out, "\n\n"...)
}

// ParseError reads an error body or error event's data; ok is false when
// it has no "error" object (an HTML 502 page, say). OpenAI-shaped errors,
// {"error":{"type","message",…}}, read as well, since some Anthropic-
// compatible servers send them.
func ParseError(body []byte) (e Error, ok bool) {
	var b struct {
		Error *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &b) != nil || b.Error == nil {
		return Error{}, false
	}
	return Error{Type: b.Error.Type, Message: b.Error.Message}, true
}

// StatusOf gives the HTTP status that an error stands for, from its type:
// what an error sent inside a stream would have been answered with. An
// unknown type is a 500.
func StatusOf(e Error) int {
	if s, ok := statusOf[e.Type]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// TypeForStatus is the error type Anthropic sends with status, for writing
// another dialect's error, or the gateway's own, in Anthropic's shape.
// Statuses Anthropic does not use map to the nearest meaning (wire-formats.md
// §5): 503 is overloaded_error, 408 timeout_error, other 4xx
// invalid_request_error, other 5xx api_error.
func TypeForStatus(status int) string {
	for t, s := range statusOf {
		if s == status {
			return t
		}
	}
	switch {
	case status == http.StatusServiceUnavailable:
		return TypeOverloaded
	case status == http.StatusRequestTimeout:
		return TypeTimeout
	case status >= 400 && status < 500:
		return TypeInvalidRequest
	}
	return TypeAPI
}
