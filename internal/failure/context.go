package failure

import "strings"

// IsContextLength reports whether a provider's error answer says that
// the request is longer than the model's context window, in any of the
// dialects Backstop speaks:
//
//   - OpenAI (and Azure, vLLM…): code "context_length_exceeded";
//   - Anthropic: invalid_request_error "prompt is too long: N tokens > M
//     maximum";
//   - Bedrock: ValidationException "Input is too long for requested model"
//     or "…too many input tokens…";
//   - Gemini: INVALID_ARGUMENT "The input token count (N) exceeds the
//     maximum number of tokens allowed (M)".
//
// Only client errors (4xx, 413 included) qualify: a 5xx that mentions
// tokens is still the provider's failure.
func IsContextLength(status int, u UpstreamError) bool {
	if status < 400 || status >= 500 {
		return false
	}
	if u.Code == "context_length_exceeded" {
		return true
	}
	msg := strings.ToLower(u.Message)
	switch u.Type {
	case "invalid_request_error", "request_too_large":
		return strings.Contains(msg, "prompt is too long") || strings.Contains(msg, "maximum context length")
	case "ValidationException", "validationException":
		return strings.Contains(msg, "input is too long") || strings.Contains(msg, "too many input tokens")
	case "INVALID_ARGUMENT":
		return strings.Contains(msg, "exceeds the maximum number of tokens")
	}
	return false
}

// Classified returns e as a ContextLength failure when its status and
// upstream error say the prompt was too long (IsContextLength), else e.
// Adapters call it on every error answer they type.
func (e *Error) Classified() *Error {
	if e.Kind == Status && IsContextLength(e.Status, e.Upstream) {
		e.Kind = ContextLength
	}
	return e
}
