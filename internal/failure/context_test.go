package failure

import "testing"

func TestIsContextLength(t *testing.T) {
	tests := []struct {
		name   string
		status int
		u      UpstreamError
		want   bool
	}{
		{"openai", 400, UpstreamError{Type: "invalid_request_error", Code: "context_length_exceeded", Message: "This model's maximum context length is 128000 tokens."}, true},
		{"anthropic", 400, UpstreamError{Type: "invalid_request_error", Message: "prompt is too long: 210000 tokens > 200000 maximum"}, true},
		{"bedrock input too long", 400, UpstreamError{Type: "ValidationException", Message: "Input is too long for requested model."}, true},
		{"bedrock too many tokens", 400, UpstreamError{Type: "ValidationException", Message: "The request has too many input tokens."}, true},
		{"gemini", 400, UpstreamError{Type: "INVALID_ARGUMENT", Message: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."}, true},
		{"anthropic other 400", 400, UpstreamError{Type: "invalid_request_error", Message: "max_tokens: Field required"}, false},
		{"bedrock other validation", 400, UpstreamError{Type: "ValidationException", Message: "Malformed input request"}, false},
		{"gemini other argument", 400, UpstreamError{Type: "INVALID_ARGUMENT", Message: "Invalid JSON payload"}, false},
		{"a 5xx never", 500, UpstreamError{Code: "context_length_exceeded"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsContextLength(tt.status, tt.u); got != tt.want {
				t.Fatalf("IsContextLength = %v, want %v", got, tt.want)
			}
			e := (&Error{Kind: Status, Status: tt.status, Upstream: tt.u}).Classified()
			if (e.Kind == ContextLength) != tt.want {
				t.Fatalf("Classified kind = %v", e.Kind)
			}
			if tt.want && (e.Action() != Stop || e.CountsAgainstProvider() || e.Reason() != "context_length" || e.Status != tt.status) {
				t.Fatalf("a context-length failure: action %v, counts %v, reason %q, status %d", e.Action(), e.CountsAgainstProvider(), e.Reason(), e.Status)
			}
		})
	}
}
