// Package openai is the OpenAI Chat Completions dialect: reading a
// client's request far enough to route it, rewriting its model, telling
// content chunks from the rest of a stream, and writing errors and
// gateway-made answers in OpenAI's exact shapes.
package openai

import (
	"github.com/backstophq/backstop/internal/jsonscan"
	"github.com/backstophq/backstop/internal/needs"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// ChatRequest is what the gateway needs to know of a chat completion
// request. The body itself is forwarded as it is, with only the model
// replaced.
type ChatRequest struct {
	// Model is the route the client asked for.
	Model string
	// Stream reports whether the client asked for a stream.
	Stream bool
	// IncludeUsage reports stream_options.include_usage.
	IncludeUsage bool
	// Needs is what a target must be able to do to serve the request.
	Needs needs.Needs

	modelStart, modelEnd int // the model value's span in the body
	// The spans of max_tokens and max_completion_tokens, when they are
	// integers; 0, 0 when absent.
	maxStart, maxEnd, mctStart, mctEnd int
}

// RequestError is a client error: the request is not a valid chat
// completion request. It becomes a 400 invalid_request_error.
type RequestError struct {
	Param   string // the offending field, or "" for the body as a whole
	Code    string // OpenAI's error code, when there is one
	Message string
}

func (e *RequestError) Error() string { return e.Message }

// ParseChat reads the top level of a chat completion request body. It
// checks what the gateway relies on: a JSON object, a non-empty string
// model, a non-empty messages array, and a boolean stream. Everything else
// is left to the provider, which knows its own rules.
func ParseChat(body []byte) (ChatRequest, *RequestError) {
	var req ChatRequest
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
				return wrongType("model", "a string", val)
			}
			req.Model, req.modelStart, req.modelEnd = s, start, end
		case "messages":
			if val[0] != '[' {
				return wrongType("messages", "an array", val)
			}
			if len(bytes.TrimSpace(val[1:len(val)-1])) == 0 {
				return &RequestError{Param: "messages", Code: "empty_array", Message: "'messages' must contain at least one message."}
			}
			sawMessages = true
			req.Needs.PromptBytes += len(val)
			if bytes.Contains(val, imageType) {
				req.Needs.ImageParam = firstImage(val)
				req.Needs.Images = req.Needs.ImageParam != ""
			}
		case "tools", "functions":
			req.Needs.PromptBytes += len(val)
			if val[0] == '[' && !jsonscan.IsEmptyArray(val) {
				req.Needs.Tools = true
			}
		case "response_format":
			if val[0] == '{' && string(jsonscan.Field(val, "type")) == `"json_schema"` {
				req.Needs.JSONSchema = true
			}
		case "max_tokens":
			if n, ok := jsonscan.Int(val); ok {
				req.maxStart, req.maxEnd = start, end
				if req.mctEnd == 0 {
					req.Needs.MaxTokens = n
				}
			}
		case "max_completion_tokens":
			if n, ok := jsonscan.Int(val); ok {
				req.mctStart, req.mctEnd = start, end
				req.Needs.MaxTokens = n
			}
		case "stream":
			switch string(val) {
			case "true":
				req.Stream = true
			case "false", "null":
				req.Stream = false
			default:
				return wrongType("stream", "a boolean", val)
			}
		case "stream_options":
			if val[0] == '{' {
				var so struct {
					IncludeUsage bool `json:"include_usage"`
				}
				if json.Unmarshal(val, &so) != nil {
					return wrongType("stream_options.include_usage", "a boolean", val)
				}
				req.IncludeUsage = so.IncludeUsage
			} else if string(val) != "null" {
				return wrongType("stream_options", "an object", val)
			}
		}
		return nil
	})
	if err != nil {
		return req, err
	}
	if req.modelEnd == 0 || req.Model == "" {
		return req, &RequestError{Param: "model", Message: "you must provide a model parameter: the name of a route (GET /v1/models lists them)"}
	}
	if !sawMessages {
		return req, &RequestError{Param: "messages", Message: "Missing required parameter: 'messages'."}
	}
	return req, nil
}

// RewriteModel returns body with its model value replaced by model, a
// JSON string literal (quotes included). Every other byte is kept.
func RewriteModel(body []byte, req ChatRequest, model []byte) []byte {
	return jsonscan.Splice(body, req.modelStart, req.modelEnd, model)
}

// RewriteModelCapped is RewriteModel that also lowers max_tokens and
// max_completion_tokens to limit where they ask for more, splicing the
// new values in: every other byte is kept. limit <= 0 means no cap.
func RewriteModelCapped(body []byte, req ChatRequest, model []byte, limit int64) []byte {
	out := RewriteModel(body, req, model)
	if limit <= 0 {
		return out
	}
	// Spans after the model's shift by the model's change in length.
	shift := len(model) - (req.modelEnd - req.modelStart)
	at := func(i int) int {
		if i > req.modelStart {
			return i + shift
		}
		return i
	}
	spans := [2][2]int{{req.maxStart, req.maxEnd}, {req.mctStart, req.mctEnd}}
	if spans[0][0] < spans[1][0] { // splice the later one first
		spans[0], spans[1] = spans[1], spans[0]
	}
	capped := strconv.AppendInt(nil, limit, 10)
	for _, sp := range spans {
		if sp[1] == 0 {
			continue
		}
		start, end := at(sp[0]), at(sp[1])
		if n, ok := jsonscan.Int(out[start:end]); ok && n > limit {
			out = jsonscan.Splice(out, start, end, capped)
		}
	}
	return out
}

// imageType is how an image part of a message names its type.
var imageType = []byte(`"image_url"`)

// firstImage returns the path of the first image part in messages, a
// JSON array, e.g. "messages[0].content[1]"; "" when there is none (the
// text "image_url" appeared elsewhere).
func firstImage(messages []byte) string {
	param := ""
	i := 0
	jsonscan.Elements(messages, func(start, end int) bool {
		content := jsonscan.Field(messages[start:end], "content")
		j := 0
		jsonscan.Elements(content, func(ps, pe int) bool {
			if bytes.Equal(jsonscan.Field(content[ps:pe], "type"), imageType) {
				param = "messages[" + strconv.Itoa(i) + "].content[" + strconv.Itoa(j) + "]"
				return false
			}
			j++
			return true
		})
		i++
		return param == ""
	})
	return param
}

// Quote returns s as a JSON string literal.
func Quote(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

func invalidJSON(body []byte) *RequestError {
	var v any
	err := json.Unmarshal(body, &v)
	var se *json.SyntaxError
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return &RequestError{Message: "We could not parse the JSON body of your request: the body is empty."}
	case errors.As(err, &se):
		return &RequestError{Message: fmt.Sprintf("We could not parse the JSON body of your request: %v (at byte %d).", se, se.Offset)}
	default:
		return &RequestError{Message: "We could not parse the JSON body of your request."}
	}
}

func wrongType(param, want string, val []byte) *RequestError {
	return &RequestError{
		Param:   param,
		Code:    "invalid_type",
		Message: fmt.Sprintf("Invalid type for '%s': expected %s, but got %s.", param, want, jsonscan.Describe(val)),
	}
}

// WithAssistantPrefill returns body with an assistant message holding
// text appended to its messages: the prefill that asks a model to go on
// from text. body must be a request that ParseChat accepted.
func WithAssistantPrefill(body []byte, text string) ([]byte, error) {
	var end int
	_ = eachMember(body, func(key []byte, start, stop int) *RequestError {
		if string(key) == "messages" {
			end = stop - 1 // the closing bracket
		}
		return nil
	})
	if end <= 0 || body[end] != ']' {
		return nil, errors.New("openai: body has no messages array")
	}
	msg, err := json.Marshal(struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}{"assistant", text})
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(body)+len(msg)+1)
	out = append(out, body[:end]...)
	out = append(out, ',')
	out = append(out, msg...)
	return append(out, body[end:]...), nil
}

// ParseEmbeddings reads the top level of an embeddings request: a JSON
// object with a non-empty string model and an input. The result's
// Stream is always false; RewriteModel works on it as on a chat request.
func ParseEmbeddings(body []byte) (ChatRequest, *RequestError) {
	var req ChatRequest
	if !jsonscan.Valid(body) {
		return req, invalidJSON(body)
	}
	var sawInput bool
	err := eachMember(body, func(key []byte, start, end int) *RequestError {
		val := body[start:end]
		switch string(key) {
		case "model":
			s, ok := jsonscan.String(val)
			if !ok {
				return wrongType("model", "a string", val)
			}
			req.Model, req.modelStart, req.modelEnd = s, start, end
		case "input":
			if string(val) == "null" {
				return &RequestError{Param: "input", Message: "'input' must not be null."}
			}
			sawInput = true
			req.Needs.PromptBytes = len(val)
		}
		return nil
	})
	switch {
	case err != nil:
		return req, err
	case req.modelEnd == 0 || req.Model == "":
		return req, &RequestError{Param: "model", Message: "you must provide a model parameter: the name of a route (GET /v1/models lists them)"}
	case !sawInput:
		return req, &RequestError{Param: "input", Message: "Missing required parameter: 'input'."}
	}
	return req, nil
}
