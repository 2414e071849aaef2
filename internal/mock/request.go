package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// This file reads and validates request bodies the way OpenAI does: the
// same status, error type, param and, where known, code and wording. Tests
// rely on it to prove that a gateway passed a body through intact. Unknown
// fields are ignored, as every dialect must (wire-formats.md §0). It never
// panics, whatever the body.

// chatRequest is what the simulator needs from a chat completion request.
type chatRequest struct {
	Model          string
	Messages       []message
	Stream         bool
	IncludeUsage   bool
	MaxTokens      int // the smaller of max_tokens and max_completion_tokens; 0 = none
	N              int
	Tools          []tool
	ToolChoice     string // "", "none", "auto", "required" or "function"
	ForcedTool     string // with ToolChoice "function"
	ResponseFormat string // "", "text", "json_object" or "json_schema"
	Schema         json.RawMessage
}

type message struct {
	Role       string
	Text       string
	ToolCallID string
	ToolCalls  []toolCall
}

type toolCall struct{ ID, Name, Arguments string }

type tool struct {
	Name       string
	Parameters json.RawMessage
}

// object is a JSON object whose members are still raw.
type object map[string]json.RawMessage

// get returns a member; a JSON null counts as absent, as OpenAI treats it.
func (o object) get(key string) (json.RawMessage, bool) {
	raw, ok := o[key]
	if !ok || kindOf(raw) == kindNull {
		return nil, false
	}
	return raw, true
}

type jsonKind int

const (
	kindNull jsonKind = iota
	kindBool
	kindInt
	kindNumber
	kindString
	kindArray
	kindObject
)

// kindOf classifies valid JSON by its first byte.
func kindOf(raw json.RawMessage) jsonKind {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return kindNull
	}
	switch raw[0] {
	case 'n':
		return kindNull
	case 't', 'f':
		return kindBool
	case '"':
		return kindString
	case '[':
		return kindArray
	case '{':
		return kindObject
	}
	if bytes.ContainsAny(raw, ".eE") {
		return kindNumber
	}
	return kindInt
}

// phrase is how OpenAI's error messages name a kind.
func (k jsonKind) phrase() string {
	return [...]string{"null", "a boolean", "an integer", "a decimal", "a string", "an array", "an object"}[k]
}

func str(p string) *string { return &p }

func invalid(msg, param, code string) *apiError {
	e := &apiError{status: 400, Message: msg, Type: "invalid_request_error"}
	if param != "" {
		e.Param = str(param)
	}
	if code != "" {
		e.Code = str(code)
	}
	return e
}

func errType(param string, want jsonKind, got json.RawMessage) *apiError {
	return invalid(fmt.Sprintf("Invalid type for '%s': expected %s, but got %s instead.",
		param, want.phrase(), kindOf(got).phrase()), param, "invalid_type")
}

func errMissing(param string) *apiError {
	return invalid(fmt.Sprintf("Missing required parameter: '%s'.", param), param, "missing_required_parameter")
}

func errEmptyArray(param string) *apiError {
	return invalid(fmt.Sprintf("Invalid '%s': empty array. Expected an array with minimum length 1, but got an empty array instead.", param),
		param, "empty_array")
}

func errValue(param, got string, allowed ...string) *apiError {
	return invalid(fmt.Sprintf("Invalid value: '%s'. Supported values are: '%s'.", got, strings.Join(allowed, "', '")),
		param, "invalid_value")
}

// parseObject checks that body is one JSON object.
func parseObject(body []byte) (object, *apiError) {
	if !json.Valid(body) {
		return nil, invalid("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. "+
			"The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)", "", "")
	}
	var o object
	if err := json.Unmarshal(body, &o); err != nil || o == nil {
		return nil, invalid("Invalid type for request body: expected an object, but got "+kindOf(body).phrase()+" instead.", "", "invalid_type")
	}
	return o, nil
}

// asKind decodes raw into v after checking its kind.
func asKind(param string, raw json.RawMessage, want jsonKind, v any) *apiError {
	got := kindOf(raw)
	if got != want && !(want == kindNumber && got == kindInt) {
		return errType(param, want, raw)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return errType(param, want, raw) // e.g. an integer too large for int
	}
	return nil
}

// scalar is a rule for one optional scalar parameter.
type scalar struct {
	name     string
	kind     jsonKind
	min, max float64
}

var chatScalars = []scalar{
	{"stream", kindBool, 0, 0},
	{"temperature", kindNumber, 0, 2},
	{"top_p", kindNumber, 0, 1},
	{"n", kindInt, 1, 128},
	{"max_tokens", kindInt, 1, math.Inf(1)},
	{"max_completion_tokens", kindInt, 1, math.Inf(1)},
	{"presence_penalty", kindNumber, -2, 2},
	{"frequency_penalty", kindNumber, -2, 2},
	{"seed", kindInt, math.Inf(-1), math.Inf(1)},
	{"logprobs", kindBool, 0, 0},
	{"top_logprobs", kindInt, 0, 20},
	{"parallel_tool_calls", kindBool, 0, 0},
	{"store", kindBool, 0, 0},
	{"user", kindString, 0, 0},
	{"service_tier", kindString, 0, 0},
	{"reasoning_effort", kindString, 0, 0},
	{"metadata", kindObject, 0, 0},
	{"logit_bias", kindObject, 0, 0},
	{"stream_options", kindObject, 0, 0},
	{"response_format", kindObject, 0, 0},
}

func checkScalars(o object, rules []scalar) *apiError {
	for _, r := range rules {
		raw, ok := o.get(r.name)
		if !ok {
			continue
		}
		if r.kind != kindInt && r.kind != kindNumber {
			var v any
			if e := asKind(r.name, raw, r.kind, &v); e != nil {
				return e
			}
			continue
		}
		var v float64
		if e := asKind(r.name, raw, r.kind, &v); e != nil {
			return e
		}
		word := "decimal"
		if r.kind == kindInt {
			word = "integer"
		}
		if v < r.min {
			return invalid(fmt.Sprintf("Invalid '%s': %s below minimum value. Expected a value >= %v, but got %s instead.", r.name, word, r.min, raw),
				r.name, word+"_below_min_value")
		}
		if v > r.max {
			return invalid(fmt.Sprintf("Invalid '%s': %s above maximum value. Expected a value <= %v, but got %s instead.", r.name, word, r.max, raw),
				r.name, word+"_above_max_value")
		}
	}
	return nil
}

// requiredString reads a required, non-empty string member.
func requiredString(o object, key, param string) (string, *apiError) {
	raw, ok := o.get(key)
	if !ok {
		return "", errMissing(param)
	}
	var s string
	if e := asKind(param, raw, kindString, &s); e != nil {
		return "", e
	}
	return s, nil
}

// requiredModel reads the model, which must be a non-empty string.
func requiredModel(o object) (string, *apiError) {
	raw, ok := o.get("model")
	if !ok {
		return "", invalid("you must provide a model parameter", "model", "")
	}
	var model string
	if e := asKind("model", raw, kindString, &model); e != nil {
		return "", e
	}
	if model == "" {
		return "", invalid("you must provide a model parameter", "model", "")
	}
	return model, nil
}

// parseChatRequest validates a chat completion body.
func parseChatRequest(body []byte) (*chatRequest, *apiError) {
	o, e := parseObject(body)
	if e != nil {
		return nil, e
	}
	req := &chatRequest{N: 1}
	if req.Model, e = requiredModel(o); e != nil {
		return nil, e
	}
	if req.Messages, e = parseMessages(o); e != nil {
		return nil, e
	}
	if e = checkScalars(o, chatScalars); e != nil {
		return nil, e
	}
	_ = json.Unmarshal(o["stream"], &req.Stream)
	_ = json.Unmarshal(o["n"], &req.N)
	if req.N < 1 {
		req.N = 1
	}
	for _, k := range []string{"max_tokens", "max_completion_tokens"} {
		var v int
		if json.Unmarshal(o[k], &v) == nil && v > 0 && (req.MaxTokens == 0 || v < req.MaxTokens) {
			req.MaxTokens = v
		}
	}
	for _, step := range []func(object, *chatRequest) *apiError{parseStreamOptions, parseStop, parseTools, parseToolChoice, parseResponseFormat} {
		if e = step(o, req); e != nil {
			return nil, e
		}
	}
	return req, nil
}

func parseStreamOptions(o object, req *chatRequest) *apiError {
	raw, ok := o.get("stream_options")
	if !ok {
		return nil
	}
	if !req.Stream {
		return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options", "")
	}
	var so object
	_ = json.Unmarshal(raw, &so)
	if v, ok := so.get("include_usage"); ok {
		return asKind("stream_options.include_usage", v, kindBool, &req.IncludeUsage)
	}
	return nil
}

func parseStop(o object, _ *chatRequest) *apiError {
	raw, ok := o.get("stop")
	if !ok || kindOf(raw) == kindString {
		return nil
	}
	var list []json.RawMessage
	if e := asKind("stop", raw, kindArray, &list); e != nil {
		return invalid(fmt.Sprintf("Invalid type for 'stop': expected a string or an array of strings, but got %s instead.", kindOf(raw).phrase()),
			"stop", "invalid_type")
	}
	if len(list) > 4 {
		return invalid(fmt.Sprintf("Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length %d instead.", len(list)),
			"stop", "array_above_max_length")
	}
	for i, item := range list {
		var s string
		if e := asKind(fmt.Sprintf("stop[%d]", i), item, kindString, &s); e != nil {
			return e
		}
	}
	return nil
}

func parseResponseFormat(o object, req *chatRequest) *apiError {
	raw, ok := o.get("response_format")
	if !ok {
		return nil
	}
	var rf object
	_ = json.Unmarshal(raw, &rf)
	typ, e := requiredString(rf, "type", "response_format.type")
	if e != nil {
		return e
	}
	switch typ {
	case "text", "json_object":
	case "json_schema":
		sraw, ok := rf.get("json_schema")
		if !ok {
			return errMissing("response_format.json_schema")
		}
		var js object
		if e := asKind("response_format.json_schema", sraw, kindObject, &js); e != nil {
			return e
		}
		if _, e := requiredString(js, "name", "response_format.json_schema.name"); e != nil {
			return e
		}
		if s, ok := js.get("schema"); ok {
			var v object
			if e := asKind("response_format.json_schema.schema", s, kindObject, &v); e != nil {
				return e
			}
			req.Schema = s
		}
	default:
		return errValue("response_format.type", typ, "json_schema", "json_object", "text")
	}
	req.ResponseFormat = typ
	return nil
}

var toolNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func parseTools(o object, req *chatRequest) *apiError {
	raw, ok := o.get("tools")
	if !ok {
		return nil
	}
	var list []json.RawMessage
	if e := asKind("tools", raw, kindArray, &list); e != nil {
		return e
	}
	if len(list) == 0 {
		return errEmptyArray("tools")
	}
	for i, item := range list {
		p := fmt.Sprintf("tools[%d]", i)
		var t object
		if e := asKind(p, item, kindObject, &t); e != nil {
			return e
		}
		typ, e := requiredString(t, "type", p+".type")
		if e != nil {
			return e
		}
		if typ != "function" {
			return errValue(p+".type", typ, "function")
		}
		fraw, ok := t.get("function")
		if !ok {
			return errMissing(p + ".function")
		}
		var fn object
		if e := asKind(p+".function", fraw, kindObject, &fn); e != nil {
			return e
		}
		name, e := requiredString(fn, "name", p+".function.name")
		if e != nil {
			return e
		}
		if !toolNamePattern.MatchString(name) {
			return invalid(fmt.Sprintf("Invalid '%s.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.", p),
				p+".function.name", "invalid_value")
		}
		params, _ := fn.get("parameters")
		if params != nil {
			var v object
			if e := asKind(p+".function.parameters", params, kindObject, &v); e != nil {
				return e
			}
		}
		req.Tools = append(req.Tools, tool{Name: name, Parameters: params})
	}
	return nil
}

func parseToolChoice(o object, req *chatRequest) *apiError {
	raw, ok := o.get("tool_choice")
	if !ok {
		return nil
	}
	if len(req.Tools) == 0 {
		return invalid("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", "tool_choice", "")
	}
	if kindOf(raw) == kindString {
		var s string
		_ = json.Unmarshal(raw, &s)
		if s != "none" && s != "auto" && s != "required" {
			return errValue("tool_choice", s, "none", "auto", "required")
		}
		req.ToolChoice = s
		return nil
	}
	var tc object
	if e := asKind("tool_choice", raw, kindObject, &tc); e != nil {
		return e
	}
	typ, e := requiredString(tc, "type", "tool_choice.type")
	if e != nil {
		return e
	}
	if typ != "function" {
		return errValue("tool_choice.type", typ, "function")
	}
	fraw, ok := tc.get("function")
	if !ok {
		return errMissing("tool_choice.function")
	}
	var fn object
	if e := asKind("tool_choice.function", fraw, kindObject, &fn); e != nil {
		return e
	}
	name, e := requiredString(fn, "name", "tool_choice.function.name")
	if e != nil {
		return e
	}
	for _, t := range req.Tools {
		if t.Name == name {
			req.ToolChoice, req.ForcedTool = "function", name
			return nil
		}
	}
	return invalid(fmt.Sprintf("Tool choice 'function' with name '%s' not found in 'tools' parameter.", name), "tool_choice", "")
}

// itoa keeps param paths short to build.
func itoa(i int) string { return strconv.Itoa(i) }
