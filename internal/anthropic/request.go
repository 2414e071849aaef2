// Package anthropic is the Anthropic Messages dialect (wire-formats.md §2):
// reading a client's request far enough to route it, rewriting its model,
// telling content events from the rest of a stream, and writing errors and
// gateway-made answers in Anthropic's exact shapes.
package anthropic

import (
	"github.com/backstophq/backstop/internal/jsonscan"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// MessagesRequest is what the gateway needs to know of a Messages request.
// The body itself is forwarded as it is, with only the model replaced.
type MessagesRequest struct {
	// Model is the route the client asked for.
	Model string
	// Stream reports whether the client asked for a stream.
	Stream bool
	// MaxTokens is the request's max_tokens, always >= 1: Anthropic
	// requires it, so a translation to another dialect has it at hand.
	MaxTokens int64

	modelStart, modelEnd int // the model value's span in the body
}

// RequestError is a client error: the request is not a valid Messages
// request. It becomes a 400 invalid_request_error; Message is worded the
// way Anthropic words it, starting with the field's path.
type RequestError struct {
	Param   string // the offending field, or "" for the body as a whole
	Message string
}

func (e *RequestError) Error() string { return e.Message }

// AsError is the error body the client gets for e.
func (e *RequestError) AsError() Error {
	return Error{Type: TypeInvalidRequest, Message: e.Message}
}

// ParseMessages reads the top level of a Messages request body. It checks
// what the gateway relies on: a JSON object, a non-empty string model, a
// positive integer max_tokens, a non-empty messages array, and a boolean
// stream. Everything else is left to the provider, which knows its own
// rules.
func ParseMessages(body []byte) (MessagesRequest, *RequestError) {
	var req MessagesRequest
	if !jsonscan.Valid(body) {
		return req, invalidJSON(body)
	}
	var sawMessages bool
	err := eachMember(body, func(key []byte, start, end int) *RequestError {
		val := body[start:end]
		switch string(key) {
		case "model":
			s, ok := jsonscan.String(val)
			if !ok {
				return wrongType("model", "a valid string", val)
			}
			req.Model, req.modelStart, req.modelEnd = s, start, end
		case "max_tokens":
			n, ok := integer(val)
			if !ok {
				return notInteger("max_tokens", val)
			}
			if n < 1 {
				return &RequestError{Param: "max_tokens", Message: "max_tokens: Input should be greater than or equal to 1"}
			}
			req.MaxTokens = n
		case "messages":
			if val[0] != '[' {
				return wrongType("messages", "a valid list", val)
			}
			if len(bytes.TrimSpace(val[1:len(val)-1])) == 0 {
				return &RequestError{Param: "messages", Message: "messages: at least one message is required"}
			}
			sawMessages = true
		case "stream":
			switch string(val) {
			case "true":
				req.Stream = true
			case "false", "null":
				req.Stream = false
			default:
				return wrongType("stream", "a valid boolean", val)
			}
		}
		return nil
	})
	if err != nil {
		return req, err
	}
	switch {
	case req.modelEnd == 0:
		return req, &RequestError{Param: "model", Message: "model: Field required"}
	case req.Model == "":
		return req, &RequestError{Param: "model", Message: "model: String should have at least 1 character"}
	case req.MaxTokens == 0:
		return req, &RequestError{Param: "max_tokens", Message: "max_tokens: Field required"}
	case !sawMessages:
		return req, &RequestError{Param: "messages", Message: "messages: Field required"}
	}
	return req, nil
}

// integer reads a JSON number with no fractional part, as Anthropic's
// validation does (1024 and 1024.0 are both 1024).
func integer(val []byte) (int64, bool) {
	if n, err := strconv.ParseInt(string(val), 10, 64); err == nil {
		return n, true
	}
	if val[0] != '-' && (val[0] < '0' || val[0] > '9') {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(val), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// RewriteModel returns body with its model value replaced by model, a
// JSON string literal (quotes included). Every other byte is kept.
func RewriteModel(body []byte, req MessagesRequest, model []byte) []byte {
	return jsonscan.Splice(body, req.modelStart, req.modelEnd, model)
}

func invalidJSON(body []byte) *RequestError {
	var v any
	err := json.Unmarshal(body, &v)
	var se *json.SyntaxError
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return &RequestError{Message: "There was an error parsing the body of your request: the body is empty."}
	case errors.As(err, &se):
		return &RequestError{Message: fmt.Sprintf("There was an error parsing the body of your request: %v (at byte %d).", se, se.Offset)}
	default:
		return &RequestError{Message: "There was an error parsing the body of your request."}
	}
}

func wrongType(param, want string, val []byte) *RequestError {
	return &RequestError{Param: param, Message: fmt.Sprintf("%s: Input should be %s, not %s", param, want, jsonscan.Describe(val))}
}

func notInteger(param string, val []byte) *RequestError {
	if f, err := strconv.ParseFloat(string(val), 64); err == nil && f != math.Trunc(f) {
		return &RequestError{Param: param, Message: param + ": Input should be a valid integer, got a number with a fractional part"}
	}
	return wrongType(param, "a valid integer", val)
}
