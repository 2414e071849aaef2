package openai

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Error types, as OpenAI names them.
const (
	TypeInvalidRequest = "invalid_request_error"
	TypeServer         = "server_error"
	TypeRateLimit      = "rate_limit_exceeded"
	TypeAuthentication = "authentication_error"
	TypeNotFound       = "not_found_error"
)

// Error is the body of an OpenAI error response.
type Error struct {
	Message string
	Type    string
	Param   string // "" is written as null
	Code    string // "" is written as null
}

type errorBody struct {
	Error errorFields `json:"error"`
}

type errorFields struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// JSON returns the error as OpenAI's {"error":{…}} object.
func (e Error) JSON() []byte {
	f := errorFields{Message: e.Message, Type: e.Type}
	if e.Param != "" {
		f.Param = &e.Param
	}
	if e.Code != "" {
		f.Code = &e.Code
	}
	b, _ := json.Marshal(errorBody{Error: f})
	return b
}

// WriteError writes e as a complete error response with the given status.
// Headers already set on w (request id, route, Retry-After) are kept.
func WriteError(w http.ResponseWriter, status int, e Error) {
	body := e.JSON()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// StreamError returns e as one SSE event, for a stream that has already
// begun: openai-go and openai-python raise a data event whose top level is
// "error" as an error.
func StreamError(e Error) []byte {
	body := e.JSON()
	out := make([]byte, 0, len(body)+8)
	out = append(out, "data: "...)
	out = append(out, body...)
	return append(out, "\n\n"...)
}

// ParseError reads an OpenAI-shaped error body; ok is false when body is
// not one (an HTML 502 page, say).
func ParseError(body []byte) (e Error, ok bool) {
	var b struct {
		Error *struct {
			Message string          `json:"message"`
			Type    string          `json:"type"`
			Param   json.RawMessage `json:"param"`
			Code    json.RawMessage `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &b) != nil || b.Error == nil {
		return Error{}, false
	}
	return Error{Message: b.Error.Message, Type: b.Error.Type, Param: scalar(b.Error.Param), Code: scalar(b.Error.Code)}, true
}

// scalar renders a JSON string or number as text; other values give "".
func scalar(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// StatusOf gives the HTTP status that an error sent inside a stream stands
// for, from its type and code: a rate limit is a 429, a bad request a 400,
// anything else a 500.
func StatusOf(e Error) int {
	switch {
	case e.Type == TypeRateLimit || e.Code == "rate_limit_exceeded" || e.Type == "requests" || e.Type == "tokens":
		return http.StatusTooManyRequests
	case e.Type == TypeInvalidRequest:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}
