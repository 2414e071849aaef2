package dialect

import (
	"encoding/json"
	"testing"

	"github.com/backstophq/backstop/internal/sse"
	"github.com/backstophq/backstop/internal/translate"
)

func converseEvent(name, data string) sse.Event {
	return sse.Event{Name: []byte(name), Data: []byte(data), HasData: true}
}

func TestConverseClassify(t *testing.T) {
	if For("converse") != Converse {
		t.Fatal(`For("converse") is not the Converse dialect`)
	}
	for _, tc := range []struct {
		ev    sse.Event
		kind  Kind
		relay Relay
	}{
		{converseEvent("messageStart", `{"role":"assistant"}`), Preamble, Ordinary},
		{converseEvent("contentBlockStart", `{"contentBlockIndex":0,"start":{"toolUse":{"toolUseId":"t","name":"f"}}}`), Content, Ordinary},
		{converseEvent("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"hi"}}`), Content, Ordinary},
		{converseEvent("contentBlockStop", `{"contentBlockIndex":0}`), Preamble, Ordinary},
		{converseEvent("messageStop", `{"stopReason":"end_turn"}`), Content, Ordinary},
		{converseEvent("metadata", `{"usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}}`), Done, End},
		{converseEvent("throttlingException", `{"__type":"throttlingException","message":"slow"}`), ErrorEvent, Failed},
		{converseEvent("someNewEvent", `{}`), Preamble, Ordinary},
		{converseEvent("contentBlockDelta", `{not json`), Garbage, Ordinary},
		{sse.Event{Data: []byte(`{"role":"assistant"}`), HasData: true}, Garbage, Ordinary},
	} {
		if got := Converse.Classify(tc.ev); got != tc.kind {
			t.Errorf("Classify(%s %s) = %v, want %v", tc.ev.Name, tc.ev.Data, got, tc.kind)
		}
		if got := Converse.Relayed(tc.ev); got != tc.relay {
			t.Errorf("Relayed(%s) = %v, want %v", tc.ev.Name, got, tc.relay)
		}
	}
}

func TestConverseErrors(t *testing.T) {
	for data, want := range map[string]int{
		`{"__type":"throttlingException","message":"slow"}`:         429,
		`{"__type":"serviceUnavailableException","message":"down"}`: 503,
		`{"__type":"modelStreamErrorException","message":"x"}`:      500,
		`{"__type":"validationException","message":"bad"}`:          400,
		`{"message":"no type"}`:                                     500,
	} {
		e := Converse.EventError([]byte(data))
		if e.Status != want || e.Upstream.Message == "" {
			t.Errorf("EventError(%s) = %+v, want status %d", data, e, want)
		}
	}
	if _, failed := Converse.BodyError([]byte(`{"output":{"message":{"role":"assistant","content":[]}},"stopReason":"end_turn"}`)); failed {
		t.Error("an answer was taken for an error")
	}
	if u, failed := Converse.BodyError([]byte(`{"__type":"com.amazon.coral#ThrottlingException","message":"m"}`)); !failed || u.Code != "ThrottlingException" {
		t.Errorf("an error body was not seen: %+v", u)
	}
}

func TestConverseProbe(t *testing.T) {
	// The probe is a Converse request the codec reads as one user turn
	// asking for one token.
	asOpenAI, err := translate.ConvertRequest(translate.Converse, translate.OpenAI, Converse.ProbeBody("amazon.nova-pro-v1:0"), "m")
	if want := `{"model":"m","messages":[{"role":"user","content":"ping"}],"max_completion_tokens":1}`; err != nil || string(asOpenAI) != want {
		t.Errorf("probe body read as %s, %v; want %s", asOpenAI, err, want)
	}
	var probe struct {
		InferenceConfig struct {
			MaxTokens int `json:"maxTokens"`
		} `json:"inferenceConfig"`
	}
	if json.Unmarshal(Converse.ProbeBody("m"), &probe) != nil || probe.InferenceConfig.MaxTokens != 1 {
		t.Error("the probe does not ask for one token")
	}
}
