package dialect

import (
	"encoding/json"
	"testing"

	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/sse"
	"github.com/backstophq/backstop/internal/translate"
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

func TestGeminiErrorsAndProbe(t *testing.T) {
	f := Gemini.EventError([]byte(`{"error":{"message":"slow down","status":"RESOURCE_EXHAUSTED"}}`))
	if f.Kind != failure.Status || f.Status != 429 || f.Upstream.Code != "RESOURCE_EXHAUSTED" || f.Upstream.Message != "slow down" {
		t.Fatalf("EventError = %+v", f)
	}
	if _, ok := Gemini.BodyError([]byte(`{"candidates":[]}`)); ok {
		t.Fatal("an answer read as an error")
	}
	// The probe is a Gemini request the codec reads as one user turn
	// asking for one token.
	asOpenAI, err := translate.ConvertRequest(translate.Gemini, translate.OpenAI, Gemini.ProbeBody("m"), "m")
	if want := `{"model":"m","messages":[{"role":"user","content":"ping"}],"max_completion_tokens":1}`; err != nil || string(asOpenAI) != want {
		t.Fatalf("probe body read as %s, %v; want %s", asOpenAI, err, want)
	}
	var probe struct {
		GenerationConfig struct {
			MaxOutputTokens int `json:"maxOutputTokens"`
		} `json:"generationConfig"`
	}
	if json.Unmarshal(Gemini.ProbeBody("m"), &probe) != nil || probe.GenerationConfig.MaxOutputTokens != 1 {
		t.Fatal("the probe does not ask for one token")
	}
}
