package bedrock

import (
	"net/http"
	"strings"
)

// Exception is one of Bedrock Runtime's error types, as named in an
// answer's X-Amzn-ErrorType header, a body's "__type", or an event
// stream's ":exception-type" header.
type Exception struct {
	// Name is the canonical, capitalised name: "ThrottlingException".
	Name string
	// Status is the HTTP status Bedrock answers with it.
	Status int
}

// exceptions lists Bedrock Runtime's documented error types and the
// status of each.
var exceptions = []Exception{
	{"ValidationException", http.StatusBadRequest},
	{"ServiceQuotaExceededException", http.StatusBadRequest},
	{"AccessDeniedException", http.StatusForbidden},
	{"UnrecognizedClientException", http.StatusForbidden},
	{"InvalidSignatureException", http.StatusForbidden},
	{"ResourceNotFoundException", http.StatusNotFound},
	{"ModelTimeoutException", http.StatusRequestTimeout},
	{"ModelErrorException", http.StatusFailedDependency},
	{"ThrottlingException", http.StatusTooManyRequests},
	{"ModelNotReadyException", http.StatusTooManyRequests},
	{"InternalServerException", http.StatusInternalServerError},
	{"ModelStreamErrorException", http.StatusInternalServerError},
	{"ServiceUnavailableException", http.StatusServiceUnavailable},
}

// LookupException finds the exception named name, in any of the forms
// Bedrock writes it: "ThrottlingException", "throttlingException" (event
// streams), "ThrottlingException:http://internal.amazon.com/..." (the
// header's suffix) or "com.amazonaws.bedrock#ThrottlingException" (a
// body's __type). ok is false for a name Bedrock does not document.
func LookupException(name string) (e Exception, ok bool) {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	if i := strings.LastIndexByte(name, '#'); i >= 0 {
		name = name[i+1:]
	}
	for _, e := range exceptions {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return Exception{}, false
}

// ExceptionFor returns the exception Bedrock would answer with status:
// the first documented one with that status, or InternalServerException
// for a 5xx and ValidationException for a 4xx it does not document.
func ExceptionFor(status int) Exception {
	for _, e := range exceptions {
		if e.Status == status {
			return e
		}
	}
	if status >= 500 {
		return Exception{"InternalServerException", http.StatusInternalServerError}
	}
	return Exception{"ValidationException", http.StatusBadRequest}
}

// StreamName is the exception's name as an event stream's
// ":exception-type" header writes it: first letter in lower case.
func (e Exception) StreamName() string {
	if e.Name == "" {
		return ""
	}
	return strings.ToLower(e.Name[:1]) + e.Name[1:]
}
