package translate

import (
	"fmt"
	"net/http"
)

// Error is a request that cannot be translated: the target dialect has no
// way to express one of its fields (n>1, logprobs or audio going to
// Anthropic, say). The gateway answers 400 invalid_request_error naming
// Param, or tries a target that speaks the client's dialect.
type Error struct {
	// Param is the offending field as a path into the client's request:
	// "n", "messages[2].content[0].input_audio", "tools[1].type". It is ""
	// when the body as a whole is at fault.
	Param string
	// Message is a full sentence for the client.
	Message string
}

func (e *Error) Error() string {
	if e.Param == "" {
		return e.Message
	}
	return e.Param + ": " + e.Message
}

func refuse(param, format string, args ...any) *Error {
	return &Error{Param: param, Message: fmt.Sprintf(format, args...)}
}

// ErrorKind is what a provider's error means, whatever its dialect.
type ErrorKind uint8

const (
	KindInvalidRequest ErrorKind = iota + 1
	KindAuthentication
	KindBilling
	KindPermission
	KindNotFound
	KindTooLarge
	KindRateLimit
	KindTimeout
	KindOverloaded
	KindInternal
)

// APIError is a provider's error in no dialect.
type APIError struct {
	Kind ErrorKind
	// Status is the provider's HTTP status; 0 for an error sent inside a
	// stream.
	Status int
	// Message is the provider's message, kept for the client.
	Message string
	// Param and Code are OpenAI's, when the provider gave them.
	Param, Code string
}

// kindOfStatus is the meaning of a status when the body says nothing
// more. It follows the mapping table of wire-formats.md §5.
func kindOfStatus(status int) ErrorKind {
	switch status {
	case 401:
		return KindAuthentication
	case 402:
		return KindBilling
	case 403:
		return KindPermission
	case 404:
		return KindNotFound
	case 413:
		return KindTooLarge
	case 429:
		return KindRateLimit
	case 408, 504:
		return KindTimeout
	case 503, 529:
		return KindOverloaded
	}
	if status >= 500 || status < 400 {
		return KindInternal
	}
	return KindInvalidRequest
}

// genericMessage stands in for a body that said nothing readable (an HTML
// 502 page, say).
func genericMessage(status int) string {
	if status == 0 {
		return "The provider reported an error."
	}
	if text := http.StatusText(status); text != "" {
		return fmt.Sprintf("The provider answered %d %s.", status, text)
	}
	return fmt.Sprintf("The provider answered %d.", status)
}
