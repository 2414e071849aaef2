package translate

import (
	"encoding/json"
	"strings"
)

// geminiCodec is Google's Gemini API (generateContent and
// streamGenerateContent?alt=sse), wire-formats.md §4.
var geminiCodec = codec{
	decodeRequest:  decodeGeminiRequest,
	encodeRequest:  encodeGeminiRequest,
	decodeResponse: decodeGeminiResponse,
	encodeResponse: encodeGeminiResponse,
	newDecoder:     func() streamDecoder { return &geminiDecoder{} },
	newEncoder:     func(bool) streamEncoder { return &geminiEncoder{} },
}

// gmErrorShapes names each kind as Google's APIs do: the HTTP code and
// the canonical status string (wire-formats.md §4 and §5). Gemini has no
// 402 or 413: billing is a quota (RESOURCE_EXHAUSTED) and an oversized
// request an INVALID_ARGUMENT.
var gmErrorShapes = map[ErrorKind]struct {
	code   int
	status string
}{
	KindInvalidRequest: {400, "INVALID_ARGUMENT"},
	KindAuthentication: {401, "UNAUTHENTICATED"},
	KindBilling:        {429, "RESOURCE_EXHAUSTED"},
	KindPermission:     {403, "PERMISSION_DENIED"},
	KindNotFound:       {404, "NOT_FOUND"},
	KindTooLarge:       {400, "INVALID_ARGUMENT"},
	KindRateLimit:      {429, "RESOURCE_EXHAUSTED"},
	KindTimeout:        {504, "DEADLINE_EXCEEDED"},
	KindOverloaded:     {503, "UNAVAILABLE"},
	KindInternal:       {500, "INTERNAL"},
}

// kindOfGeminiStatus reads Google's canonical status string.
func kindOfGeminiStatus(status string) (ErrorKind, bool) {
	switch status {
	case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE":
		return KindInvalidRequest, true
	case "UNAUTHENTICATED":
		return KindAuthentication, true
	case "PERMISSION_DENIED":
		return KindPermission, true
	case "NOT_FOUND":
		return KindNotFound, true
	case "RESOURCE_EXHAUSTED":
		return KindRateLimit, true
	case "DEADLINE_EXCEEDED":
		return KindTimeout, true
	case "UNAVAILABLE":
		return KindOverloaded, true
	case "INTERNAL", "UNKNOWN", "DATA_LOSS", "ABORTED", "CANCELLED":
		return KindInternal, true
	}
	return 0, false
}

// gmError is Google's error object, {"error":{code,message,status,details}}.
type gmError struct {
	Code    int               `json:"code"`
	Message string            `json:"message"`
	Status  string            `json:"status"`
	Details []json.RawMessage `json:"details,omitempty"`
}

// decodeGeminiError reads {"error":{code,message,status}}. The status
// string decides the kind; a 400 whose details say API_KEY_INVALID is an
// authentication error (that is how Gemini answers a bad key). Inside a
// stream (status 0) the body's code stands in for the HTTP status.
func decodeGeminiError(status int, body []byte) APIError {
	var in struct {
		Error *gmError `json:"error"`
	}
	if json.Unmarshal(body, &in) != nil || in.Error == nil {
		return APIError{Kind: kindOfStatus(status), Status: status, Message: genericMessage(status)}
	}
	code := status
	if code == 0 {
		code = in.Error.Code
	}
	e := APIError{Kind: kindOfStatus(code), Status: status, Message: in.Error.Message}
	if k, ok := kindOfGeminiStatus(in.Error.Status); ok {
		e.Kind = k
	}
	for _, d := range in.Error.Details {
		if strings.Contains(string(d), `"API_KEY_INVALID"`) {
			e.Kind = KindAuthentication
		}
	}
	if e.Message == "" {
		e.Message = genericMessage(code)
	}
	return e
}

func geminiErrorBody(e APIError) (int, []byte) {
	shape, ok := gmErrorShapes[e.Kind]
	if !ok {
		shape = gmErrorShapes[KindInternal]
	}
	if e.Kind == KindInternal && e.Status >= 500 && e.Status <= 599 {
		shape.code = e.Status // a 502 stays a 502
	}
	msg := e.Message
	if e.Param != "" && !strings.HasPrefix(msg, e.Param+": ") {
		msg = e.Param + ": " + msg // Google's errors name the field in the message
	}
	body, _ := marshal(struct {
		Error gmError `json:"error"`
	}{gmError{Code: shape.code, Message: msg, Status: shape.status}})
	return shape.code, body
}

// geminiStreamError is `data: {"error":…}`: Gemini reports a failure
// after the 200 as an error object in place of a chunk, which
// google.golang.org/genai raises as an APIError.
func geminiStreamError(e APIError) []byte {
	_, body := geminiErrorBody(e)
	out := make([]byte, 0, len(body)+8)
	out = append(out, "data: "...)
	out = append(out, body...)
	return append(out, "\n\n"...)
}
