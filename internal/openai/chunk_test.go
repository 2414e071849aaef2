package openai

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		data string
		want ChunkKind
	}{
		{`{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`, Preamble},
		{`{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":null}]}`, Preamble},
		{`{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}`, Content},
		{`{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1"}]}}]}`, Content},
		{`{"id":"c","choices":[{"index":0,"delta":{"refusal":"no"}}]}`, Content},
		{`{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`, Content},
		{`{"id":"c","choices":[],"usage":{"prompt_tokens":1}}`, Content},
		{`{"error":{"message":"overloaded"}}`, ErrorChunk},
		{` [DONE] `, DoneChunk},
		{`{not json`, Garbage},
	}
	for _, tt := range tests {
		if got := Classify([]byte(tt.data)); got != tt.want {
			t.Errorf("Classify(%s) = %v, want %v", tt.data, got, tt.want)
		}
	}
}

func TestIsErrorOrDone(t *testing.T) {
	tests := []struct {
		data string
		want Relayed
	}{
		{`{"id":"c","choices":[{"delta":{"content":"{\"error\":1}"}}]}`, Ordinary},
		{`{"object":"chat.completion.chunk","id":"c","choices":[]}`, Ordinary},
		{`[DONE]`, End},
		{`{"error":{"message":"boom","type":"server_error"}}`, Failed},
		{`{"choices":[],"error":{"message":"late"}}`, Failed},
		{`{broken`, Failed},
	}
	for _, tt := range tests {
		if got := IsErrorOrDone([]byte(tt.data)); got != tt.want {
			t.Errorf("IsErrorOrDone(%s) = %v, want %v", tt.data, got, tt.want)
		}
	}
}

func TestErrorRoundTrip(t *testing.T) {
	e := Error{Message: "no", Type: TypeInvalidRequest, Param: "model"}
	got, ok := ParseError(e.JSON())
	if !ok || got != e {
		t.Fatalf("round trip = %+v %v", got, ok)
	}
	var raw map[string]map[string]any
	if err := json.Unmarshal(e.JSON(), &raw); err != nil {
		t.Fatal(err)
	}
	if v, present := raw["error"]["code"]; !present || v != nil {
		t.Fatalf("code should be null, got %v", v)
	}
	if _, ok := ParseError([]byte("<html>502 Bad Gateway</html>")); ok {
		t.Fatal("an HTML page parsed as an error")
	}
	if got, _ := ParseError([]byte(`{"error":{"message":"m","code":429}}`)); got.Code != "429" {
		t.Fatalf("numeric code = %q", got.Code)
	}
}

func TestContinuationHelpers(t *testing.T) {
	chunk := []byte(`{"id":"chatcmpl-b","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" more"}}]}`)
	if got := string(ChunkID(chunk)); got != `"chatcmpl-b"` {
		t.Fatalf("ChunkID = %s", got)
	}
	got := WithID(chunk, []byte(`"chatcmpl-a"`))
	if want := bytes.Replace(chunk, []byte("chatcmpl-b"), []byte("chatcmpl-a"), 1); !bytes.Equal(got, want) {
		t.Fatalf("WithID = %s", got)
	}
	if text, tool := DeltaText(chunk); text != " more" || tool {
		t.Fatalf("DeltaText = %q %v", text, tool)
	}
	if _, tool := DeltaText([]byte(`{"choices":[{"delta":{"tool_calls":[{"index":0}]}}]}`)); !tool {
		t.Fatal("tool call not seen")
	}
	body := []byte(`{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}`)
	out, err := WithAssistantPrefill(body, "Hello \"there")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Hello \"there"}],"stream":true}`
	if string(out) != want {
		t.Fatalf("prefill body\n%s\nwant\n%s", out, want)
	}
}

// classifyByDecoding is Classify as it was before the scan: the reference
// the scan must agree with.
func classifyByDecoding(data []byte) ChunkKind {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, Done) {
		return DoneChunk
	}
	return decodeChunk(data)
}

func TestClassifyAgreesWithDecoding(t *testing.T) {
	for _, data := range classifySeeds {
		if got, want := Classify([]byte(data)), classifyByDecoding([]byte(data)); got != want {
			t.Errorf("Classify(%s) = %v, encoding/json says %v", data, got, want)
		}
	}
}

func TestClassifyDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	data := []byte(`{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}`)
	if n := testing.AllocsPerRun(100, func() { Classify(data) }); n != 0 {
		t.Fatalf("Classify allocates %v times per chunk", n)
	}
}

var classifySeeds = []string{
	`{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
	`{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}`,
	`{"id":"c","choices":[{"delta":{"content":"\u0000"}}]}`,
	`{"id":"c","choices":[{"delta":{"tool_calls":null,"function_call":{}}}]}`,
	`{"id":"c","choices":[{"delta":{"refusal":""}},{"delta":null},null,{"finish_reason":"length"}]}`,
	`{"choices":null,"usage":{"total_tokens":3}}`,
	`{"choices":[],"usage":null}`,
	`{"error":null,"choices":[]}`,
	`{"error":{"message":"x"},"choices":7}`,
	`{"choices":[{"delta":{"content":5}}]}`,
	`{"choices":[{"delta":[]}]}`,
	`{"choices":[{"finish_reason":true}]}`,
	`{"choices":[1]}`,
	`{"choices":{}}`,
	`{"Choices":[{"delta":{"content":"a"}}]}`,
	`{"choices":[{"Delta":{"content":"a"}}]}`,
	`{"choices":[{"delta":{"CONTENT":"a"}}]}`,
	`{"choices":[{"delta":{"content":"a"}}],"choices":[{"delta":{}}]}`,
	`{"choices":[{"delta":{"content":"a"},"delta":{}}]}`,
	`{"choices":[{"delta":{"content":"a","content":null}}]}`,
	`{"\u0063hoices":[{"delta":{"content":"a"}}]}`,
	`{"usage":{},"usage":null}`,
	`null`, `[]`, `"x"`, `7`, `{}`, `[DONE]`, `{"a":`, ``,
}

func FuzzClassify(f *testing.F) {
	for _, s := range classifySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := Classify(data), classifyByDecoding(data); got != want {
			t.Fatalf("Classify(%q) = %v, encoding/json says %v", data, got, want)
		}
	})
}
