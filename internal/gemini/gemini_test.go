package gemini

import (
	"testing"
)

func TestErrors(t *testing.T) {
	e, ok := ParseError([]byte(`{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}`))
	if !ok || e.Code != 400 || e.Status != "INVALID_ARGUMENT" || e.Reason != "API_KEY_INVALID" {
		t.Fatalf("ParseError = %+v, %v", e, ok)
	}
	for _, body := range []string{`{"candidates":[]}`, `<html>`, `{"error":null}`} {
		if _, ok := ParseError([]byte(body)); ok {
			t.Errorf("%s read as an error", body)
		}
	}
	for _, tt := range []struct {
		e    Error
		want int
	}{{Error{Code: 503}, 503}, {Error{Status: "RESOURCE_EXHAUSTED"}, 429}, {Error{Status: "DEADLINE_EXCEEDED"}, 504}, {Error{}, 500}} {
		if got := HTTPStatus(tt.e); got != tt.want {
			t.Errorf("HTTPStatus(%+v) = %d, want %d", tt.e, got, tt.want)
		}
	}
	if !IsError([]byte(`{"error":{"code":500,"message":"m","status":"INTERNAL"}}`)) || IsError([]byte(`{"candidates":[{"content":{"parts":[{"text":"\"error\""}]}}]}`)) {
		t.Error("IsError")
	}
}
