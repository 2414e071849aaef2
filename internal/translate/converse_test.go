package translate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/backstophq/backstop/internal/bedrock"
)

// TestConverseStopReasons pins every stopReason Bedrock documents to what
// each client gets, and the canonical reasons to Converse's.
func TestConverseStopReasons(t *testing.T) {
	for reason, want := range map[string][2]string{
		"end_turn":                      {"stop", "end_turn"},
		"tool_use":                      {"tool_calls", "tool_use"},
		"max_tokens":                    {"length", "max_tokens"},
		"stop_sequence":                 {"stop", "stop_sequence"},
		"guardrail_intervened":          {"content_filter", "refusal"},
		"content_filtered":              {"content_filter", "refusal"},
		"malformed_model_output":        {"stop", "end_turn"},
		"malformed_tool_use":            {"stop", "end_turn"},
		"model_context_window_exceeded": {"length", "max_tokens"},
		"something_new":                 {"stop", "end_turn"},
	} {
		s := stopOfConverse(reason)
		if got := [2]string{openAIFinish(s), anthropicStop(s)}; got != want {
			t.Errorf("Converse %s → %v, want %v", reason, got, want)
		}
	}
	for s, want := range map[StopReason]string{
		StopUnknown: "end_turn", StopEnd: "end_turn", StopSequence: "stop_sequence", StopLength: "max_tokens",
		StopToolUse: "tool_use", StopRefusal: "content_filtered", StopPause: "end_turn",
	} {
		if got := converseStop(s); got != want {
			t.Errorf("canonical %d → %s, want %s", s, got, want)
		}
	}
}

func TestConverseErrorToClients(t *testing.T) {
	for _, tc := range []struct {
		status       int
		body         string
		kind         ErrorKind
		msg          string
		openAIStatus int
	}{
		{400, `{"message":"Malformed input request: #: extraneous key [foo]"}`, KindInvalidRequest, "Malformed input request: #: extraneous key [foo]", 400},
		{400, `{"__type":"com.amazonaws.bedrock#ServiceQuotaExceededException","message":"quota"}`, KindRateLimit, "quota", 429},
		{403, `{"Message":"The security token included in the request is invalid."}`, KindPermission, "The security token included in the request is invalid.", 403},
		{403, `{"__type":"UnrecognizedClientException","message":"bad key"}`, KindAuthentication, "bad key", 401},
		{404, `{"message":"Model not found"}`, KindNotFound, "Model not found", 404},
		{408, `{"message":"Model timed out"}`, KindTimeout, "Model timed out", 504},
		{424, `{"message":"The model returned an error"}`, KindInternal, "The model returned an error", 500},
		{429, `{"message":"Too many requests"}`, KindRateLimit, "Too many requests", 429},
		{500, `{"message":"internal"}`, KindInternal, "internal", 500},
		{503, `<html>unavailable</html>`, KindOverloaded, "The provider answered 503 Service Unavailable.", 503},
		{502, ``, KindInternal, "The provider answered 502 Bad Gateway.", 502},
		{401, `{"message":"proxy says no"}`, KindAuthentication, "proxy says no", 401},
	} {
		e := decodeConverseError(tc.status, []byte(tc.body))
		if e.Kind != tc.kind || e.Message != tc.msg || e.Status != tc.status {
			t.Errorf("%d %s → %+v, want kind %d message %q", tc.status, tc.body, e, tc.kind, tc.msg)
		}
		status, body := convertError(Converse, OpenAI, tc.status, []byte(tc.body))
		var oa struct {
			Error sdkErrorFields `json:"error"`
		}
		strictDecode(t, "OpenAI error", body, &oa)
		if status != tc.openAIStatus || oa.Error.Message != tc.msg {
			t.Errorf("%d %s → OpenAI %d %s", tc.status, tc.body, status, body)
		}
	}
}

// TestErrorsToConverse: a provider's error, in a stream translated for a
// Converse client, is the exception event Bedrock would send, and reads
// back as the same message.
func TestErrorsToConverse(t *testing.T) {
	for _, tc := range []struct {
		from        Dialect
		status      int
		body        string
		wantEvent   string
		wantMessage string
	}{
		{Anthropic, 529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "serviceUnavailableException", "Overloaded"},
		{Anthropic, 429, `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`, "throttlingException", "slow down"},
		{OpenAI, 502, `bad gateway`, "internalServerException", "The provider answered 502 Bad Gateway."},
		{OpenAI, 400, `{"error":{"message":"bad","type":"invalid_request_error","param":"messages","code":null}}`, "validationException", "messages: bad"},
		{OpenAI, 401, `{"error":{"message":"no key","type":"invalid_request_error"}}`, "unrecognizedClientException", "no key"},
		{Anthropic, 504, `{"type":"error","error":{"type":"timeout_error","message":"late"}}`, "modelTimeoutException", "late"},
	} {
		out := converseStreamError(errorDecoders[tc.from](tc.status, []byte(tc.body)))
		evs := parseSSE(out)
		if len(evs) != 1 || evs[0].name != tc.wantEvent {
			t.Errorf("%s %d → %q, want event %s", tc.from, tc.status, out, tc.wantEvent)
			continue
		}
		var got cvErrorBody
		strictDecode(t, "Bedrock exception", []byte(evs[0].data), &got)
		if got.Message != tc.wantMessage {
			t.Errorf("%s %d → message %q, want %q", tc.from, tc.status, got.Message, tc.wantMessage)
		}
		ex, _ := bedrock.LookupException(tc.wantEvent)
		if back := decodeConverseError(ex.Status, []byte(`{"__type":"`+ex.Name+`","message":`+strconv.Quote(got.Message)+`}`)); back.Message != tc.wantMessage {
			t.Errorf("read back as %+v", back)
		}
	}
}

// TestConverseStreamException: an exception event written for a Converse
// client reads back, through the Converse decoder, as the same error.
func TestConverseStreamException(t *testing.T) {
	out := converseStreamError(APIError{Kind: KindRateLimit, Message: "slow down"})
	if want := "event: throttlingException\ndata: {\"message\":\"slow down\"}\n\n"; string(out) != want {
		t.Fatalf("converseStreamError = %q, want %q", out, want)
	}
	evs := parseSSE(out)
	d := &converseDecoder{}
	got, err := d.decode(nil, []byte(evs[0].name), []byte(evs[0].data))
	if err != nil || len(got) != 1 || got[0].kind != evError {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	if e := got[0].err; e.Kind != KindRateLimit || e.Status != 429 || e.Message != "slow down" {
		t.Errorf("error %+v", e)
	}
	// an exception without a readable body is still an error, never data
	got, err = (&converseDecoder{}).decode(nil, []byte("modelStreamErrorException"), []byte("not json"))
	if err != nil || len(got) != 1 || got[0].err.Kind != KindInternal || got[0].err.Status != 500 {
		t.Errorf("unreadable exception → %+v, %v", got, err)
	}
}

// TestConverseMalformedEvent: data that is not JSON fails the event and
// keeps the stream's state.
func TestConverseMalformedEvent(t *testing.T) {
	s := mustStream(Converse, OpenAI, false)
	if _, err := s.Event([]byte("contentBlockDelta"), []byte("{oops")); err == nil {
		t.Fatal("malformed event accepted")
	}
	out := feed(t, s, [2]string{"messageStart", `{"role":"assistant"}`}, [2]string{"contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"ok"}}`},
		[2]string{"messageStop", `{"stopReason":"end_turn"}`})
	if !strings.Contains(out, `"content":"ok"`) || !strings.Contains(out, `"finish_reason":"stop"`) {
		t.Errorf("stream after a malformed event: %s", out)
	}
	end, err := s.End()
	if err != nil || !strings.HasSuffix(string(end), "data: [DONE]\n\n") {
		t.Errorf("End after messageStop without metadata = %q, %v", end, err)
	}
}

// convertedGoldens returns every Converse request golden file.
func convertedGoldens(t *testing.T) []string {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*", "converse_request.*.golden.json"))
	if len(paths) == 0 {
		t.Fatal("no Converse request goldens")
	}
	return paths
}

// TestConverseRequestRoundTrip: every request this package wrote for
// Converse reads back into the same request, so the decoder is faithful
// to the encoder.
func TestConverseRequestRoundTrip(t *testing.T) {
	for _, path := range convertedGoldens(t) {
		golden, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(golden, []byte(`"refused"`)) {
			continue
		}
		req, err := decodeConverseRequest(golden)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		again, err := encodeConverseRequest(req, converseTarget)
		if err != nil || !jsonEqual(golden, again) {
			t.Errorf("%s: round trip differs (%v)\n got %s", path, err, again)
		}
	}
}

func TestConverseRequestRefusals(t *testing.T) {
	for body, param := range map[string]string{
		`{"messages":[{"role":"user","content":[{"image":{"format":"png","source":{"s3Location":{"uri":"s3://b/k"}}}}]}]}`:               "messages[0].content[0].image.source",
		`{"messages":[{"role":"user","content":[{"document":{"format":"pdf","name":"x","source":{"s3Location":{"uri":"s3://b/k"}}}}]}]}`: "messages[0].content[0].document.source",
		`{"messages":[{"role":"user","content":[{"video":{"format":"mp4","source":{"bytes":"AA=="}}}]}]}`:                                "messages[0].content[0]",
		`{"messages":[{"role":"system","content":[{"text":"x"}]}]}`:                                                                      "messages[0].role",
		`{"messages":[],"inferenceConfig":{"maxTokens":"many"}}`:                                                                         "inferenceConfig.maxTokens",
		`{"messages":[],"outputConfig":{"textFormat":{"type":"json_schema","structure":{"jsonSchema":{"schema":"{not json"}}}}}`:         "outputConfig.textFormat",
	} {
		_, err := ConvertRequest(Converse, OpenAI, []byte(body), openAITarget)
		te, ok := err.(*Error)
		if !ok || te.Param != param {
			t.Errorf("%s → %v, want a refusal naming %s", body, err, param)
		}
	}
}

// TestConverseRequestToOthers: a Converse client's request reads into the
// canonical model faithfully enough for both other dialects.
func TestConverseRequestToOthers(t *testing.T) {
	body := []byte(`{"system":[{"text":"Be brief."},{"cachePoint":{"type":"default"}}],
	"messages":[{"role":"user","content":[{"text":"Weather?"},{"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}}]},
	{"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"w","input":{"c":"Oslo"}}}]},
	{"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"json":{"deg":-3}}],"status":"error"}}]}],
	"inferenceConfig":{"maxTokens":99,"temperature":0.2,"stopSequences":["END"]},
	"toolConfig":{"tools":[{"toolSpec":{"name":"w","inputSchema":{"json":{"type":"object"}}}}],"toolChoice":{"any":{}}},
	"additionalModelRequestFields":{"top_k":7}}`)
	out, err := ConvertRequest(Converse, Anthropic, body, anthropicTarget)
	if err != nil {
		t.Fatal(err)
	}
	checkAnthropicRequest(t, out, &expectation{})
	checkRequestPaths(t, out, map[string]any{
		"system": "Be brief.", "max_tokens": 99.0, "temperature": 0.2, "top_k": 7.0, "stop_sequences": []any{"END"},
		"tool_choice.type": "any", "messages.0.content.1.source.media_type": "image/png",
		"messages.1.content.0.id": "t1", "messages.2.content.0.is_error": true, "messages.2.content.0.content": `{"deg":-3}`,
	})
	out, err = ConvertRequest(Converse, OpenAI, body, openAITarget)
	if err != nil {
		t.Fatal(err)
	}
	checkOpenAIRequest(t, out, &expectation{})
}

// TestConverseResponseRoundTrip: an answer written for a Converse client
// reads back the same, id aside (Converse has none).
func TestConverseResponseRoundTrip(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*", "converse_response.json"))
	for _, path := range paths {
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		first, err := decodeConverseResponse(body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out, err := encodeConverseResponse(first)
		if err != nil {
			t.Fatal(err)
		}
		second, err := decodeConverseResponse(out)
		if err != nil {
			t.Fatalf("%s: re-read: %v", path, err)
		}
		if first.ID == "" || first.ID == second.ID && !bytes.Equal(body, out) {
			t.Errorf("%s: ids %q, %q", path, first.ID, second.ID)
		}
		first.ID, second.ID = "", ""
		if !reflect.DeepEqual(first, second) {
			t.Errorf("%s: round trip differs:\n%+v\n%+v", path, first, second)
		}
	}
	if _, err := ConvertResponse(Converse, OpenAI, []byte(`{"stopReason":"end_turn"}`)); err == nil {
		t.Error("an answer without output accepted")
	}
}

// TestConverseStreamRoundTrip: every seed stream, through the Converse
// decoder and encoder, gives a Converse client the same answer, written in
// the order Bedrock keeps.
func TestConverseStreamRoundTrip(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*", "converse_stream.sse"))
	for _, path := range paths {
		in, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := runStream(mustStream(Converse, Converse, false), in)
		want, got := accumulateConverse(t, in, true), accumulateConverse(t, out, false)
		if want.End == "stop" {
			want.End = "metadata" // the encoder always ends with metadata
		}
		if want.StopReason != "" {
			want.StopReason = converseStop(stopOfConverse(want.StopReason)) // two reasons per meaning
		}
		if !reflect.DeepEqual(want.ToolUses, got.ToolUses) {
			compareToolCalls(t, got.ToolUses, want.ToolUses)
		}
		want.ToolUses, got.ToolUses = nil, nil
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: round trip differs:\n got %+v\nwant %+v\n%s", path, got, want, out)
		}
	}
}

// TestOpenAIStreamToConverse: an OpenAI stream reaches a Converse client
// with its tool calls and usage, which come after the finish reason.
func TestOpenAIStreamToConverse(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "tools", "openai_stream.sse"))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := runStream(mustStream(OpenAI, Converse, false), in)
	got := accumulateConverse(t, out, false)
	if got.End != "metadata" || got.StopReason != "tool_use" || len(got.ToolUses) == 0 || got.Usage.TotalTokens == 0 {
		t.Errorf("got %+v\n%s", got, out)
	}
	var raw json.RawMessage
	for _, tc := range got.ToolUses {
		if raw = tc.Arguments; !validArgs(string(raw)) {
			t.Errorf("tool input %s", raw)
		}
	}
}

// TestConverseResponseWithoutReason: tool calls without a stop reason are
// a tool_use stop for a Converse client, whose agent loop runs on it.
func TestConverseResponseWithoutReason(t *testing.T) {
	out, err := encodeConverseResponse(&Response{Content: []Part{{Kind: PartToolCall, Call: &ToolCall{ID: "call_1", Name: "f", Input: emptyObject}}}})
	if err != nil || !strings.Contains(string(out), `"stopReason":"tool_use"`) || !strings.Contains(string(out), `"toolUseId":"call_1"`) {
		t.Errorf("%s, %v", out, err)
	}
}
