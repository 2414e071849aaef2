// Package anthropic is the Anthropic Messages dialect (wire-formats.md §2):
// reading a client's request far enough to route it, rewriting its model,
// telling content events from the rest of a stream, and writing errors and
// gateway-made answers in Anthropic's exact shapes.
package anthropic

import (
	"github.com/backstophq/backstop/internal/jsonscan"
	"github.com/backstophq/backstop/internal/needs"
	"github.com/backstophq/backstop/internal/tokens"

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
	// Needs is what a target must be able to do to serve the request.
	Needs needs.Needs

	modelStart, modelEnd int // the model value's span in the body
	maxStart, maxEnd     int // the max_tokens value's span
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
			req.MaxTokens, req.maxStart, req.maxEnd = n, start, end
		case "messages":
			if val[0] != '[' {
				return wrongType("messages", "a valid list", val)
			}
			if len(bytes.TrimSpace(val[1:len(val)-1])) == 0 {
				return &RequestError{Param: "messages", Message: "messages: at least one message is required"}
			}
			sawMessages = true
			req.Needs.PromptBytes += len(val)
			if bytes.Contains(val, imageType) {
				req.Needs.ImageParam = firstImage(val)
				req.Needs.Images = req.Needs.ImageParam != ""
			}
		case "system":
			req.Needs.PromptBytes += len(val)
		case "tools":
			req.Needs.PromptBytes += len(val)
			if val[0] == '[' && !jsonscan.IsEmptyArray(val) {
				req.Needs.Tools = true
			}
		case "output_format":
			if val[0] == '{' && string(jsonscan.Field(val, "type")) == `"json_schema"` {
				req.Needs.JSONSchema = true
			}
		case "output_config":
			if f := jsonscan.Field(val, "format"); len(f) > 0 && f[0] == '{' && string(jsonscan.Field(f, "type")) == `"json_schema"` {
				req.Needs.JSONSchema = true
			}
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
	req.Needs.MaxTokens = req.MaxTokens
	return req, nil
}

// PromptTokens estimates the prompt tokens of a Messages body (valid JSON
// or not): its system, messages and tools, as routing estimates them
// (internal/tokens). count_tokens answers with it.
func PromptTokens(body []byte) int {
	if !json.Valid(body) {
		return 0
	}
	n := 0
	jsonscan.Members(body, func(key []byte, start, end int) bool {
		switch string(key) {
		case "system", "messages", "tools":
			n += end - start
		}
		return true
	})
	return tokens.Estimate(n)
}

// RewriteModelCapped is RewriteModel that also lowers max_tokens to limit
// when it asks for more, splicing the new value in. limit <= 0 means no
// cap.
func RewriteModelCapped(body []byte, req MessagesRequest, model []byte, limit int64) []byte {
	out := RewriteModel(body, req, model)
	if limit <= 0 || req.MaxTokens <= limit || req.maxEnd == 0 {
		return out
	}
	start, end := req.maxStart, req.maxEnd
	if start > req.modelStart {
		shift := len(model) - (req.modelEnd - req.modelStart)
		start, end = start+shift, end+shift
	}
	return jsonscan.Splice(out, start, end, strconv.AppendInt(nil, limit, 10))
}

// imageType is how an image block names its type.
var imageType = []byte(`"image"`)

// firstImage returns the path of the first image block in messages, a
// JSON array, e.g. "messages[0].content[1]", looking inside tool results
// too ("messages[2].content[0].content[1]"); "" when there is none.
func firstImage(messages []byte) string {
	param := ""
	i := 0
	jsonscan.Elements(messages, func(start, end int) bool {
		prefix := func() string { return "messages[" + strconv.Itoa(i) + "].content" }
		content := jsonscan.Field(messages[start:end], "content")
		j := 0
		jsonscan.Elements(content, func(bs, be int) bool {
			block := content[bs:be]
			switch typ := jsonscan.Field(block, "type"); {
			case bytes.Equal(typ, imageType):
				param = prefix() + "[" + strconv.Itoa(j) + "]"
			case string(typ) == `"tool_result"`:
				inner := jsonscan.Field(block, "content")
				k := 0
				jsonscan.Elements(inner, func(is, ie int) bool {
					if bytes.Equal(jsonscan.Field(inner[is:ie], "type"), imageType) {
						param = prefix() + "[" + strconv.Itoa(j) + "].content[" + strconv.Itoa(k) + "]"
						return false
					}
					k++
					return true
				})
			}
			j++
			return param == ""
		})
		i++
		return param == ""
	})
	return param
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
