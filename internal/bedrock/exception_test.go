package bedrock

import (
	"net/http"
	"testing"
)

func TestLookupException(t *testing.T) {
	for _, tc := range []struct {
		in     string
		name   string
		status int
		ok     bool
	}{
		{"ThrottlingException", "ThrottlingException", 429, true},
		{"throttlingException", "ThrottlingException", 429, true},
		{"ServiceUnavailableException:http://internal.amazon.com/coral/com.amazon.bedrock/", "ServiceUnavailableException", 503, true},
		{"com.amazonaws.bedrock#ValidationException", "ValidationException", 400, true},
		{"modelStreamErrorException", "ModelStreamErrorException", 500, true},
		{"TeapotException", "", 0, false},
		{"", "", 0, false},
	} {
		e, ok := LookupException(tc.in)
		if ok != tc.ok || e.Name != tc.name || e.Status != tc.status {
			t.Errorf("LookupException(%q) = %+v, %v; want %s %d %v", tc.in, e, ok, tc.name, tc.status, tc.ok)
		}
	}
}

func TestExceptionFor(t *testing.T) {
	for status, want := range map[int]string{
		http.StatusTooManyRequests:    "ThrottlingException",
		http.StatusServiceUnavailable: "ServiceUnavailableException",
		http.StatusBadGateway:         "InternalServerException",
		http.StatusTeapot:             "ValidationException",
	} {
		if got := ExceptionFor(status).Name; got != want {
			t.Errorf("ExceptionFor(%d) = %s, want %s", status, got, want)
		}
	}
	if got := ExceptionFor(429).StreamName(); got != "throttlingException" {
		t.Errorf("StreamName = %q", got)
	}
}
