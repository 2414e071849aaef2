package gemini

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Error is Google's error object: {"error":{code,message,status,details}}.
// Reason is the ErrorInfo reason of its details, when there is one
// ("API_KEY_INVALID"); RetryDelay is the RetryInfo's retryDelay, which is
// how Gemini says when to come back after a 429 (it sends no Retry-After
// header).
type Error struct {
	Code       int
	Message    string
	Status     string
	Reason     string
	RetryDelay time.Duration
}

type errorJSON struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Details []struct {
		Reason     string `json:"reason"`
		RetryDelay string `json:"retryDelay"`
	} `json:"details,omitempty"`
}

// ParseError reads an error body; ok is false when body is not one.
func ParseError(body []byte) (e Error, ok bool) {
	var in struct {
		Error *errorJSON `json:"error"`
	}
	if json.Unmarshal(body, &in) != nil || in.Error == nil {
		return Error{}, false
	}
	e = Error{Code: in.Error.Code, Message: in.Error.Message, Status: in.Error.Status}
	for _, d := range in.Error.Details {
		if d.Reason != "" && e.Reason == "" {
			e.Reason = d.Reason
		}
		// A google.protobuf.Duration in JSON: seconds with an "s" suffix.
		if delay, err := time.ParseDuration(d.RetryDelay); err == nil && delay > 0 && strings.HasSuffix(d.RetryDelay, "s") {
			e.RetryDelay = delay
		}
	}
	return e, true
}

// statuses is Google's canonical status for each HTTP status Gemini uses.
var statuses = map[int]string{
	http.StatusBadRequest:          "INVALID_ARGUMENT",
	http.StatusUnauthorized:        "UNAUTHENTICATED",
	http.StatusForbidden:           "PERMISSION_DENIED",
	http.StatusNotFound:            "NOT_FOUND",
	http.StatusConflict:            "ABORTED",
	http.StatusTooManyRequests:     "RESOURCE_EXHAUSTED",
	http.StatusInternalServerError: "INTERNAL",
	http.StatusNotImplemented:      "UNIMPLEMENTED",
	http.StatusServiceUnavailable:  "UNAVAILABLE",
	http.StatusGatewayTimeout:      "DEADLINE_EXCEEDED",
}

// HTTPStatus is the HTTP status of e: its code, or the one its canonical
// status goes with (an error inside a stream may lack a code), or 500.
func HTTPStatus(e Error) int {
	if e.Code >= 400 && e.Code <= 599 {
		return e.Code
	}
	for code, s := range statuses {
		if s == e.Status {
			return code
		}
	}
	return http.StatusInternalServerError
}

// isError reports whether data is an error object, cheaply for the chunks
// that are not.
func isError(data []byte) bool {
	if !bytes.Contains(data, []byte(`"error"`)) {
		return false
	}
	_, ok := ParseError(data)
	return ok
}
