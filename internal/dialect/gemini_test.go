package dialect

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/genai"

	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/sse"
)

func gmEvent(data string) sse.Event { return sse.Event{Data: []byte(data), HasData: true} }

func TestGeminiClassify(t *testing.T) {
	tests := []struct {
		data string
		want Kind
	}{
		{`{"candidates":[{"content":{"role":"model","parts":[{"text":"hi"}]},"index":0}],"responseId":"r"}`, Content},
		{`{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"f","args":{}}}]}}]}`, Content},
		// The last chunk of an empty or refused answer is the answer.
		{`{"candidates":[{"finishReason":"SAFETY","index":0}]}`, Content},
		{`{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"}}`, Content},
		{`{"candidates":[{"content":{"role":"model","parts":[]},"index":0}],"usageMetadata":{"promptTokenCount":3}}`, Preamble},
		{`{"usageMetadata":{"promptTokenCount":3}}`, Preamble},
		{`{"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}`, ErrorEvent},
		{`{not json`, Garbage},
		{`[DONE]`, Garbage},
	}
	for _, tt := range tests {
		if got := Gemini.Classify(gmEvent(tt.data)); got != tt.want {
			t.Errorf("Classify(%s) = %v, want %v", tt.data, got, tt.want)
		}
	}
	if For("gemini") != Gemini {
		t.Fatal(`For("gemini") is not Gemini`)
	}
	// After commit only errors matter: Gemini has no end marker.
	if Gemini.Relayed(gmEvent(`{"candidates":[{"content":{"parts":[{"text":"\"error\": not one"}]}}]}`)) != Ordinary ||
		Gemini.Relayed(gmEvent(`{"candidates":[{"finishReason":"STOP"}]}`)) != Ordinary ||
		Gemini.Relayed(gmEvent(`{"error":{"code":500,"message":"m","status":"INTERNAL"}}`)) != Failed {
		t.Fatal("Relayed")
	}
}

func TestGeminiErrorsAndAnswers(t *testing.T) {
	f := Gemini.EventError([]byte(`{"error":{"message":"slow down","status":"RESOURCE_EXHAUSTED"}}`))
	if f.Kind != failure.Status || f.Status != 429 || f.Upstream.Code != "RESOURCE_EXHAUSTED" || f.Upstream.Message != "slow down" {
		t.Fatalf("EventError = %+v", f)
	}
	if _, ok := Gemini.BodyError([]byte(`{"candidates":[]}`)); ok {
		t.Fatal("an answer read as an error")
	}
	w := httptest.NewRecorder()
	Gemini.WriteError(w, APIError{Status: 400, Type: "invalid_request_error", Param: "contents", Message: "bad"}, "r")
	if w.Code != 400 || w.Body.String() != `{"error":{"code":400,"message":"contents: bad","status":"INVALID_ARGUMENT"}}` {
		t.Fatalf("WriteError: %d %s", w.Code, w.Body)
	}
	if got := string(Gemini.StreamError(APIError{Status: 503, Message: "m"})); got != "data: {\"error\":{\"code\":503,\"message\":\"m\",\"status\":\"UNAVAILABLE\"}}\n\n" {
		t.Fatalf("StreamError: %q", got)
	}
	var r genai.GenerateContentResponse
	if err := json.Unmarshal(Gemini.Answer("id1", "m", 0, "hello"), &r); err != nil || r.Text() != "hello" || r.Candidates[0].FinishReason != genai.FinishReasonStop {
		t.Fatalf("Answer: %v %+v", err, r)
	}
	var text strings.Builder
	for _, block := range strings.Split(strings.TrimSpace(string(Gemini.AnswerStream("id1", "m", 0, "hello", false))), "\n\n") {
		var c genai.GenerateContentResponse
		if err := json.Unmarshal([]byte(strings.TrimPrefix(block, "data: ")), &c); err != nil {
			t.Fatalf("AnswerStream chunk %q: %v", block, err)
		}
		text.WriteString(c.Text())
	}
	if text.String() != "hello" {
		t.Fatalf("AnswerStream says %q", text.String())
	}
	if _, e := Gemini.Parse(Gemini.ProbeBody("m")); e != nil {
		t.Fatalf("probe body: %+v", e)
	}
	var probe struct {
		GenerationConfig struct {
			MaxOutputTokens int `json:"maxOutputTokens"`
		} `json:"generationConfig"`
	}
	if json.Unmarshal(Gemini.ProbeBody("m"), &probe) != nil || probe.GenerationConfig.MaxOutputTokens != 1 {
		t.Fatal("the probe does not ask for one token")
	}
	if _, e := Gemini.Parse([]byte(`{"contents":[]}`)); e == nil || e.Status != 400 {
		t.Fatalf("empty contents: %+v", e)
	}
}
