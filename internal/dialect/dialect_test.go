package dialect

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/backstophq/backstop/internal/sse"
)

func TestProbeBodiesParseInTheirOwnDialect(t *testing.T) {
	for _, d := range []Dialect{OpenAI, Anthropic} {
		body := d.ProbeBody(`we"ird\model`)
		req, err := d.Parse(body)
		if err != nil || req.Model != `we"ird\model` || !req.Stream {
			t.Errorf("%s: probe body %s parses as %+v, %v", d.ID(), body, req, err)
		}
		var v struct {
			MaxTokens int `json:"max_tokens"`
		}
		if json.Unmarshal(body, &v) != nil || v.MaxTokens != 1 {
			t.Errorf("%s: probe body %s does not ask for one token", d.ID(), body)
		}
	}
}

func TestErrorsKeepTheirDialect(t *testing.T) {
	tests := []struct {
		d    Dialect
		e    APIError
		want string
	}{
		{OpenAI, APIError{Status: 429, Message: "slow"}, `{"error":{"message":"slow","type":"rate_limit_exceeded","param":null,"code":null}}`},
		{OpenAI, APIError{Status: 503, Code: "backstop_exhausted", Message: "m"}, `{"error":{"message":"m","type":"server_error","param":null,"code":"backstop_exhausted"}}`},
		// An Anthropic type reaching an OpenAI client follows the status.
		{OpenAI, APIError{Status: 529, Type: "overloaded_error", Message: "m"}, `{"error":{"message":"m","type":"server_error","param":null,"code":null}}`},
		{Anthropic, APIError{Status: 529, Type: "overloaded_error", Message: "m"}, `{"type":"error","error":{"type":"overloaded_error","message":"m"},"request_id":"r"}`},
		// An OpenAI type reaching an Anthropic client follows the status.
		{Anthropic, APIError{Status: 429, Type: "rate_limit_exceeded", Message: "m"}, `{"type":"error","error":{"type":"rate_limit_error","message":"m"},"request_id":"r"}`},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		tt.d.WriteError(w, tt.e, "r")
		if w.Code != tt.e.Status || w.Body.String() != tt.want {
			t.Errorf("%s %+v: %d %s, want %s", tt.d.ID(), tt.e, w.Code, w.Body, tt.want)
		}
	}
}

func TestClassifyAcrossDialects(t *testing.T) {
	tests := []struct {
		d    Dialect
		ev   sse.Event
		want Kind
	}{
		{OpenAI, sse.Event{Data: []byte(`{"id":"1","choices":[{"delta":{"role":"assistant","content":""}}]}`), HasData: true}, Preamble},
		{OpenAI, sse.Event{Data: []byte(`{"id":"1","choices":[{"delta":{"content":"hi"}}]}`), HasData: true}, Content},
		{Anthropic, sse.Event{Name: []byte("message_start"), Data: []byte(`{"type":"message_start","message":{}}`), HasData: true}, Preamble},
		{Anthropic, sse.Event{Name: []byte("content_block_delta"), Data: []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}`), HasData: true}, Content},
		{Anthropic, sse.Event{Name: []byte("error"), Data: []byte(`{"type":"error","error":{"type":"overloaded_error","message":"o"}}`), HasData: true}, ErrorEvent},
		{Anthropic, sse.Event{Name: []byte("message_stop"), Data: []byte(`{"type":"message_stop"}`), HasData: true}, Done},
	}
	for _, tt := range tests {
		if got := tt.d.Classify(tt.ev); got != tt.want {
			t.Errorf("%s %s: %v, want %v", tt.d.ID(), tt.ev.Data, got, tt.want)
		}
	}
	if e := Anthropic.EventError([]byte(`{"type":"error","error":{"type":"overloaded_error","message":"o"}}`)); e.Status != 529 {
		t.Errorf("overloaded_error mid-stream = %d, want 529", e.Status)
	}
}
