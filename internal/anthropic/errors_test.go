package anthropic

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestErrorJSON(t *testing.T) {
	e := Error{Type: TypeOverloaded, Message: `Over"loaded`}
	if got, want := string(e.JSON("req_1")), `{"type":"error","error":{"type":"overloaded_error","message":"Over\"loaded"},"request_id":"req_1"}`; got != want {
		t.Errorf("JSON = %s\nwant %s", got, want)
	}
	if got, want := string(e.JSON("")), `{"type":"error","error":{"type":"overloaded_error","message":"Over\"loaded"}}`; got != want {
		t.Errorf("JSON without request id = %s", got)
	}
	if got, ok := ParseError(e.JSON("req_1")); !ok || got != e {
		t.Errorf("round trip = %+v %v", got, ok)
	}
	want := "event: error\ndata: " + string(e.JSON("")) + "\n\n"
	if got := string(StreamError(e)); got != want {
		t.Errorf("StreamError = %q\nwant %q", got, want)
	}
}

func TestParseError(t *testing.T) {
	tests := []struct {
		body string
		want Error
		ok   bool
	}{
		{`{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`, Error{TypeRateLimit, "slow down"}, true},
		{`{"error":{"message":"m","type":"server_error","param":null,"code":null}}`, Error{"server_error", "m"}, true},
		{`<html>502 Bad Gateway</html>`, Error{}, false},
		{`{"type":"error"}`, Error{}, false},
		{`{"error":"flat string"}`, Error{}, false},
	}
	for _, tt := range tests {
		if got, ok := ParseError([]byte(tt.body)); got != tt.want || ok != tt.ok {
			t.Errorf("ParseError(%s) = %+v %v, want %+v %v", tt.body, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStatusAndTypeMapping(t *testing.T) {
	for typ, status := range map[string]int{
		TypeInvalidRequest: 400, TypeAuthentication: 401, TypeBilling: 402, TypePermission: 403,
		TypeNotFound: 404, TypeRequestTooLarge: 413, TypeRateLimit: 429, TypeAPI: 500,
		TypeTimeout: 504, TypeOverloaded: 529,
	} {
		if got := StatusOf(Error{Type: typ}); got != status {
			t.Errorf("StatusOf(%s) = %d, want %d", typ, got, status)
		}
		if got := TypeForStatus(status); got != typ {
			t.Errorf("TypeForStatus(%d) = %s, want %s", status, got, typ)
		}
	}
	if got := StatusOf(Error{Type: "brand_new_error"}); got != 500 {
		t.Errorf("unknown type: %d", got)
	}
	for status, typ := range map[int]string{503: TypeOverloaded, 408: TypeTimeout, 409: TypeInvalidRequest, 422: TypeInvalidRequest, 502: TypeAPI, 599: TypeAPI} {
		if got := TypeForStatus(status); got != typ {
			t.Errorf("TypeForStatus(%d) = %s, want %s", status, got, typ)
		}
	}
}

func TestWriteError(t *testing.T) {
	w := httptest.NewRecorder()
	w.Header().Set("Retry-After", "3")
	WriteError(w, StatusOverloaded, Error{Type: TypeOverloaded, Message: "Overloaded"}, "req_9")
	r := w.Result()
	if r.StatusCode != 529 || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Request-Id") != "req_9" || r.Header.Get("Retry-After") != "3" {
		t.Errorf("status %d headers %v", r.StatusCode, r.Header)
	}
	if got := w.Body.String(); got != `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_9"}` {
		t.Errorf("body %s", got)
	}
	w = httptest.NewRecorder()
	WriteError(w, http.StatusBadRequest, Error{Type: TypeInvalidRequest, Message: "no"}, "")
	if w.Result().Header.Get("Request-Id") != "" {
		t.Error("request-id set without a request id")
	}
}
