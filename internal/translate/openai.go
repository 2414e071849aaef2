package translate

import (
	"encoding/json"
	"strings"
)

// openAICodec is the OpenAI Chat Completions dialect.
var openAICodec = codec{
	decodeRequest:  decodeOpenAIRequest,
	encodeRequest:  encodeOpenAIRequest,
	decodeResponse: decodeOpenAIResponse,
	encodeResponse: encodeOpenAIResponse,
	newDecoder:     func() streamDecoder { return &openAIDecoder{} },
	newEncoder:     func(includeUsage bool) streamEncoder { return &openAIEncoder{includeUsage: includeUsage} },
}

// oaError is OpenAI's error object; param and code are null when unset.
type oaError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// oaErrorIn reads an error object leniently: code may be a number.
type oaErrorIn struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Param   string          `json:"param"`
	Code    json.RawMessage `json:"code"`
}

func (e *oaErrorIn) code() string {
	var s string
	if json.Unmarshal(e.Code, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(e.Code, &n) == nil {
		return n.String()
	}
	return ""
}

// decodeOpenAIError reads {"error":{…}}. The kind comes from the status,
// except for the codes that say more: a 429 for an exhausted quota is a
// billing error, not a rate limit.
func decodeOpenAIError(status int, body []byte) APIError {
	var in struct {
		Error *oaErrorIn `json:"error"`
	}
	e := APIError{Kind: kindOfStatus(status), Status: status}
	if json.Unmarshal(body, &in) != nil || in.Error == nil {
		e.Message = genericMessage(status)
		return e
	}
	e.Message, e.Param, e.Code = in.Error.Message, in.Error.Param, in.Error.code()
	if status == 0 {
		e.Kind = kindOfOpenAIStreamError(in.Error.Type, e.Code)
	}
	if e.Code == "insufficient_quota" || in.Error.Type == "insufficient_quota" {
		e.Kind = KindBilling
	}
	if e.Message == "" {
		e.Message = genericMessage(status)
	}
	return e
}

// kindOfOpenAIStreamError classifies an error sent inside a stream, which
// has no status: by its type and code.
func kindOfOpenAIStreamError(typ, code string) ErrorKind {
	switch {
	case strings.Contains(typ, "rate_limit") || strings.Contains(code, "rate_limit") || typ == "requests" || typ == "tokens":
		return KindRateLimit
	case strings.Contains(typ, "overloaded") || strings.Contains(code, "overloaded"):
		return KindOverloaded
	case typ == "invalid_request_error":
		return KindInvalidRequest
	}
	return KindInternal
}

// openAIErrorShape is the status, type and code OpenAI uses for each
// kind (wire-formats.md §1 and §5).
func openAIErrorShape(k ErrorKind) (status int, typ, code string) {
	switch k {
	case KindInvalidRequest:
		return 400, "invalid_request_error", ""
	case KindAuthentication:
		return 401, "invalid_request_error", "invalid_api_key"
	case KindBilling:
		return 429, "insufficient_quota", "insufficient_quota"
	case KindPermission:
		return 403, "permission_error", ""
	case KindNotFound:
		return 404, "invalid_request_error", "not_found"
	case KindTooLarge:
		return 413, "invalid_request_error", "request_too_large"
	case KindRateLimit:
		return 429, "rate_limit_exceeded", "rate_limit_exceeded"
	case KindTimeout:
		return 504, "server_error", "timeout"
	case KindOverloaded:
		return 503, "server_error", "overloaded"
	}
	return 500, "server_error", ""
}

func openAIErrorBody(e APIError) (int, []byte) {
	status, typ, code := openAIErrorShape(e.Kind)
	if e.Code != "" {
		code = e.Code
	}
	if e.Kind == KindInternal && e.Status >= 500 && e.Status <= 599 {
		status = e.Status // a 502 stays a 502
	}
	out := oaError{Message: e.Message, Type: typ}
	if e.Param != "" {
		out.Param = &e.Param
	}
	if code != "" {
		out.Code = &code
	}
	body, _ := marshal(struct {
		Error oaError `json:"error"`
	}{out})
	return status, body
}

// openAIStreamError is `data: {"error":…}`, which openai-go and
// openai-python raise as an error.
func openAIStreamError(e APIError) []byte {
	_, body := openAIErrorBody(e)
	out := make([]byte, 0, len(body)+8)
	out = append(out, "data: "...)
	out = append(out, body...)
	return append(out, "\n\n"...)
}
