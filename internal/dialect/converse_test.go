package dialect

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/backstophq/backstop/internal/sse"
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
	w := httptest.NewRecorder()
	Converse.WriteError(w, APIError{Status: 429, Message: "slow down"}, "r1")
	if w.Code != 429 || w.Header().Get("X-Amzn-Errortype") != "ThrottlingException" || w.Body.String() != `{"message":"slow down"}` {
		t.Errorf("WriteError: %d %v %s", w.Code, w.Header(), w.Body)
	}
	// A stream error reads back as the same exception.
	rd := sse.NewReader(bytes.NewReader(Converse.StreamError(APIError{Status: 503, Message: "gone"})))
	ev, err := rd.Next()
	if err != nil || Converse.Classify(ev) != ErrorEvent || Converse.EventError(ev.Data).Status != 503 {
		t.Errorf("StreamError: %q %v", ev.Raw, err)
	}
}

func TestConverseAnswers(t *testing.T) {
	var answer struct {
		Output struct {
			Message struct {
				Role    string `json:"role"`
				Content []struct {
					Text string `json:"text"`
				} `json:"content"`
			} `json:"message"`
		} `json:"output"`
		StopReason string `json:"stopReason"`
	}
	if err := json.Unmarshal(Converse.Answer("id", "m", 0, "busy"), &answer); err != nil ||
		answer.Output.Message.Content[0].Text != "busy" || answer.StopReason != "end_turn" {
		t.Errorf("Answer: %+v, %v", answer, err)
	}
	rd := sse.NewReader(bytes.NewReader(Converse.AnswerStream("id", "m", 0, "busy", true)))
	var kinds []Kind
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, Converse.Classify(ev))
	}
	if len(kinds) != 5 || kinds[0] != Preamble || kinds[1] != Content || kinds[4] != Done {
		t.Errorf("AnswerStream kinds %v", kinds)
	}
	if _, e := Converse.Parse(Converse.ProbeBody("amazon.nova-pro-v1:0")); e != nil {
		t.Errorf("probe body: %+v", e)
	}
	var probe struct {
		InferenceConfig struct {
			MaxTokens int `json:"maxTokens"`
		} `json:"inferenceConfig"`
	}
	if json.Unmarshal(Converse.ProbeBody("m"), &probe) != nil || probe.InferenceConfig.MaxTokens != 1 {
		t.Error("the probe does not ask for one token")
	}
	if _, e := Converse.Parse([]byte(`{"messages":[]}`)); e == nil || e.Status != 400 {
		t.Errorf("empty messages: %+v", e)
	}
}
