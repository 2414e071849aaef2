package translate

import (
	"encoding/json"
	"strings"

	"github.com/backstophq/backstop/internal/bedrock"
)

// Converse is AWS Bedrock Runtime's Converse API (converse and
// converse-stream). The model id and whether the answer is streamed are in
// the URL, not the body; streams arrive re-framed as SSE, one event per
// event-stream message, as internal/bedrock/doc.go describes.
const Converse Dialect = "converse"

// converseCodec is the Bedrock Converse dialect.
var converseCodec = codec{
	decodeRequest:  decodeConverseRequest,
	encodeRequest:  encodeConverseRequest,
	decodeResponse: decodeConverseResponse,
	encodeResponse: encodeConverseResponse,
	newDecoder:     func() streamDecoder { return &converseDecoder{} },
	newEncoder:     func(bool) streamEncoder { return &converseEncoder{} },
}

// kindOfException is what each of Bedrock's exceptions means. A quota
// exceeded (400 on Bedrock) is a rate limit for the client: waiting or
// another provider helps, changing the request does not.
var kindOfException = map[string]ErrorKind{
	"ValidationException":           KindInvalidRequest,
	"ServiceQuotaExceededException": KindRateLimit,
	"AccessDeniedException":         KindPermission,
	"UnrecognizedClientException":   KindAuthentication,
	"InvalidSignatureException":     KindAuthentication,
	"ResourceNotFoundException":     KindNotFound,
	"ModelTimeoutException":         KindTimeout,
	"ModelErrorException":           KindInternal,
	"ThrottlingException":           KindRateLimit,
	"ModelNotReadyException":        KindOverloaded,
	"InternalServerException":       KindInternal,
	"ModelStreamErrorException":     KindInternal,
	"ServiceUnavailableException":   KindOverloaded,
}

// exceptionOfKind is the exception a Converse client gets for each kind.
// Bedrock has no billing or size errors of its own: they are the nearest
// documented ones.
var exceptionOfKind = map[ErrorKind]string{
	KindInvalidRequest: "ValidationException",
	KindAuthentication: "UnrecognizedClientException",
	KindBilling:        "AccessDeniedException",
	KindPermission:     "AccessDeniedException",
	KindNotFound:       "ResourceNotFoundException",
	KindTooLarge:       "ValidationException",
	KindRateLimit:      "ThrottlingException",
	KindTimeout:        "ModelTimeoutException",
	KindOverloaded:     "ServiceUnavailableException",
	KindInternal:       "InternalServerException",
}

// cvErrorBody is Bedrock's error body. The type is normally in the
// X-Amzn-ErrorType header, which decodeError does not see; some answers
// repeat it as "__type", and some write "Message".
type cvErrorBody struct {
	Type       string `json:"__type,omitempty"`
	Message    string `json:"message"`
	MessageCap string `json:"Message,omitempty"`
}

// decodeConverseError reads {"message"} (and "__type" when present): the
// type decides the kind; without one, the exception Bedrock answers that
// status with does, and a status Bedrock does not use (a proxy's 401 or
// 502) is read as any other.
func decodeConverseError(status int, body []byte) APIError {
	e := APIError{Kind: kindOfStatus(status), Status: status}
	if ex := bedrock.ExceptionFor(status); ex.Status == status {
		e.Kind = kindOfException[ex.Name] // 424 is the model's failure, not the client's
	}
	var in cvErrorBody
	if json.Unmarshal(body, &in) != nil {
		e.Message = genericMessage(status)
		return e
	}
	if ex, ok := bedrock.LookupException(in.Type); ok {
		e.Kind = kindOfException[ex.Name]
	}
	e.Message = in.Message
	if e.Message == "" {
		e.Message = in.MessageCap
	}
	if e.Message == "" {
		e.Message = genericMessage(status)
	}
	return e
}

// converseException is the exception for e's kind, and e's message with
// its param, for which Bedrock errors have no field.
func converseException(e APIError) (bedrock.Exception, string) {
	name, ok := exceptionOfKind[e.Kind]
	if !ok {
		name = exceptionOfKind[KindInternal]
	}
	ex, _ := bedrock.LookupException(name)
	msg := e.Message
	if e.Param != "" && !strings.HasPrefix(msg, e.Param+": ") {
		msg = e.Param + ": " + msg
	}
	return ex, msg
}

// converseStreamError is an exception event in the SSE framing of
// internal/bedrock: named by the exception as ":exception-type" writes it.
func converseStreamError(e APIError) []byte {
	ex, msg := converseException(e)
	body, _ := marshal(cvErrorBody{Message: msg})
	out := make([]byte, 0, len(body)+48)
	out = append(out, "event: "...)
	out = append(out, ex.StreamName()...)
	out = append(out, "\ndata: "...)
	out = append(out, body...)
	return append(out, "\n\n"...)
}
