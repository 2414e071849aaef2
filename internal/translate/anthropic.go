package translate

import (
	"encoding/json"
	"strings"
)

// anthropicCodec is the Anthropic Messages dialect.
var anthropicCodec = codec{
	decodeRequest:  decodeAnthropicRequest,
	encodeRequest:  encodeAnthropicRequest,
	decodeResponse: decodeAnthropicResponse,
	encodeResponse: encodeAnthropicResponse,
	newDecoder:     func() streamDecoder { return &anthropicDecoder{} },
	newEncoder:     func(bool) streamEncoder { return &anthropicEncoder{} },
}

// anErrorTypes names each kind as Anthropic does, with its status
// (wire-formats.md §2).
var anErrorTypes = map[ErrorKind]struct {
	status int
	typ    string
}{
	KindInvalidRequest: {400, "invalid_request_error"},
	KindAuthentication: {401, "authentication_error"},
	KindBilling:        {402, "billing_error"},
	KindPermission:     {403, "permission_error"},
	KindNotFound:       {404, "not_found_error"},
	KindTooLarge:       {413, "request_too_large"},
	KindRateLimit:      {429, "rate_limit_error"},
	KindTimeout:        {504, "timeout_error"},
	KindOverloaded:     {529, "overloaded_error"},
	KindInternal:       {500, "api_error"},
}

func kindOfAnthropicType(typ string) (ErrorKind, bool) {
	for k, v := range anErrorTypes {
		if v.typ == typ {
			return k, true
		}
	}
	return 0, false
}

type anErrorBody struct {
	Type  string `json:"type"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// decodeAnthropicError reads {"type":"error","error":{type,message}}; the
// error type decides the kind, the status only when the type is unknown.
func decodeAnthropicError(status int, body []byte) APIError {
	e := APIError{Kind: kindOfStatus(status), Status: status}
	var in anErrorBody
	if json.Unmarshal(body, &in) != nil || in.Error.Type == "" && in.Error.Message == "" {
		e.Message = genericMessage(status)
		return e
	}
	if k, ok := kindOfAnthropicType(in.Error.Type); ok {
		e.Kind = k
	}
	e.Message = in.Error.Message
	if e.Message == "" {
		e.Message = genericMessage(status)
	}
	return e
}

func anthropicErrorBody(e APIError) (int, []byte) {
	shape, ok := anErrorTypes[e.Kind]
	if !ok {
		shape = anErrorTypes[KindInternal]
	}
	var out anErrorBody
	out.Type = "error"
	out.Error.Type = shape.typ
	out.Error.Message = e.Message
	if e.Param != "" && !strings.HasPrefix(e.Message, e.Param+": ") {
		out.Error.Message = e.Param + ": " + e.Message // Anthropic errors have no param field
	}
	body, _ := marshal(out)
	return shape.status, body
}

// anthropicStreamError is `event: error`, which anthropic-sdk-go raises as
// an error.
func anthropicStreamError(e APIError) []byte {
	_, body := anthropicErrorBody(e)
	out := make([]byte, 0, len(body)+24)
	out = append(out, "event: error\ndata: "...)
	out = append(out, body...)
	return append(out, "\n\n"...)
}
