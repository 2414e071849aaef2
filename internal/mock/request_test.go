package mock

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestRequestValidation(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	hc := httpClient(t)
	const user = `[{"role":"user","content":"hi"}]`
	for _, tc := range []struct {
		name, body  string
		param, code string // "" means null
		message     string // a part of the message
	}{
		{"invalid JSON", `{"model":`, "", "", "could not parse the JSON body"},
		{"not an object", `[1,2]`, "", "invalid_type", "expected an object, but got an array"},
		{"missing model", `{"messages":` + user + `}`, "model", "", "you must provide a model parameter"},
		{"empty model", `{"model":"","messages":` + user + `}`, "model", "", "you must provide a model parameter"},
		{"model of the wrong type", `{"model":7,"messages":` + user + `}`, "model", "invalid_type", "expected a string, but got an integer"},
		{"missing messages", `{"model":"m"}`, "messages", "missing_required_parameter", "Missing required parameter: 'messages'"},
		{"null messages", `{"model":"m","messages":null}`, "messages", "missing_required_parameter", ""},
		{"empty messages", `{"model":"m","messages":[]}`, "messages", "empty_array", "empty array"},
		{"messages not an array", `{"model":"m","messages":"hi"}`, "messages", "invalid_type", "expected an array, but got a string"},
		{"message not an object", `{"model":"m","messages":[3]}`, "messages[0]", "invalid_type", ""},
		{"missing role", `{"model":"m","messages":[{"content":"hi"}]}`, "messages[0].role", "missing_required_parameter", ""},
		{"bad role", `{"model":"m","messages":[{"role":"robot","content":"hi"}]}`, "messages[0].role", "invalid_value", "'robot'"},
		{"missing content", `{"model":"m","messages":[{"role":"user"}]}`, "messages[0].content", "missing_required_parameter", ""},
		{"content of the wrong type", `{"model":"m","messages":[{"role":"user","content":5}]}`, "messages[0].content", "invalid_type", "expected one of a string or array of objects"},
		{"empty parts", `{"model":"m","messages":[{"role":"user","content":[]}]}`, "messages[0].content", "empty_array", ""},
		{"bad part type", `{"model":"m","messages":[{"role":"system","content":[{"type":"image_url"}]}]}`, "messages[0].content[0].type", "invalid_value", ""},
		{"text part without text", `{"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]}`, "messages[0].content[0].text", "missing_required_parameter", ""},
		{"tool message without id", `{"model":"m","messages":[{"role":"tool","content":"x"}]}`, "messages[0].tool_call_id", "missing_required_parameter", ""},
		{"tool call without arguments", `{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f"}}]}]}`,
			"messages[0].tool_calls[0].function.arguments", "missing_required_parameter", ""},
		{"stream not a boolean", `{"model":"m","stream":"yes","messages":` + user + `}`, "stream", "invalid_type", "expected a boolean"},
		{"temperature too high", `{"model":"m","temperature":3,"messages":` + user + `}`, "temperature", "decimal_above_max_value", "Expected a value <= 2"},
		{"max_tokens zero", `{"model":"m","max_tokens":0,"messages":` + user + `}`, "max_tokens", "integer_below_min_value", ""},
		{"max_tokens decimal", `{"model":"m","max_tokens":1.5,"messages":` + user + `}`, "max_tokens", "invalid_type", "expected an integer, but got a decimal"},
		{"n too large", `{"model":"m","n":129,"messages":` + user + `}`, "n", "integer_above_max_value", ""},
		{"stream_options without stream", `{"model":"m","stream_options":{"include_usage":true},"messages":` + user + `}`, "stream_options", "", "only allowed when 'stream' is enabled"},
		{"stop too long", `{"model":"m","stop":["a","b","c","d","e"],"messages":` + user + `}`, "stop", "array_above_max_length", ""},
		{"empty tools", `{"model":"m","tools":[],"messages":` + user + `}`, "tools", "empty_array", ""},
		{"tool without name", `{"model":"m","tools":[{"type":"function","function":{}}],"messages":` + user + `}`, "tools[0].function.name", "missing_required_parameter", ""},
		{"tool name with a space", `{"model":"m","tools":[{"type":"function","function":{"name":"a b"}}],"messages":` + user + `}`, "tools[0].function.name", "invalid_value", ""},
		{"tool_choice without tools", `{"model":"m","tool_choice":"auto","messages":` + user + `}`, "tool_choice", "", "only allowed when 'tools' are specified"},
		{"unknown tool_choice", `{"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"always","messages":` + user + `}`, "tool_choice", "invalid_value", ""},
		{"forced tool not in tools", `{"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}},"messages":` + user + `}`,
			"tool_choice", "", "with name 'g' not found"},
		{"bad response_format", `{"model":"m","response_format":{"type":"yaml"},"messages":` + user + `}`, "response_format.type", "invalid_value", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, hc, p, "/v1/chat/completions", tc.body)
			var e struct {
				Error struct {
					Message string  `json:"message"`
					Type    string  `json:"type"`
					Param   *string `json:"param"`
					Code    *string `json:"code"`
				} `json:"error"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if resp.StatusCode != 400 || e.Error.Type != "invalid_request_error" {
				t.Errorf("status %d type %q", resp.StatusCode, e.Error.Type)
			}
			if deref(e.Error.Param) != tc.param || deref(e.Error.Code) != tc.code {
				t.Errorf("param %q code %q, want %q %q (%s)", deref(e.Error.Param), deref(e.Error.Code), tc.param, tc.code, e.Error.Message)
			}
			if !strings.Contains(e.Error.Message, tc.message) {
				t.Errorf("message %q, want it to contain %q", e.Error.Message, tc.message)
			}
			if !strings.Contains(string(body), `"param":`) || !strings.Contains(string(body), `"code":`) {
				t.Errorf("param or code absent instead of null: %s", body)
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestValidRequestsPass(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	hc := httpClient(t)
	for _, body := range []string{
		`{"model":"m","messages":[{"role":"developer","content":[{"type":"text","text":"be brief"}]},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:,"}}]}],"unknown_field":{"kept":true}}`,
		`{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}]}`,
		`{"model":"m","temperature":null,"stop":"x","seed":-4,"top_logprobs":3,"logprobs":true,"metadata":{"a":"b"},"messages":[{"role":"system","content":"s"},{"role":"user","content":"hi"}]}`,
		`{"model":"m","stream":false,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}},"messages":[{"role":"user","content":"hi"}]}`,
	} {
		resp, b := post(t, hc, p, "/v1/chat/completions", body)
		if resp.StatusCode != 200 {
			t.Errorf("%s\n→ %d %s", body, resp.StatusCode, b)
		}
	}
}

func TestEmbeddingValidation(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	hc := httpClient(t)
	for _, tc := range []struct {
		body   string
		status int
		param  string
	}{
		{`{"model":"m","input":"hi"}`, 200, ""},
		{`{"model":"m","input":[1,2,3]}`, 200, ""},
		{`{"model":"m","input":[[1,2],[3]]}`, 200, ""},
		{`{"model":"m","input":["a","b"],"encoding_format":"base64","dimensions":4}`, 200, ""},
		{`{"input":"hi"}`, 400, "model"},
		{`{"model":"m"}`, 400, "input"},
		{`{"model":"m","input":""}`, 400, "input"},
		{`{"model":"m","input":[]}`, 400, "input"},
		{`{"model":"m","input":["a",1]}`, 400, "input"},
		{`{"model":"m","input":"hi","encoding_format":"hex"}`, 400, "encoding_format"},
		{`{"model":"m","input":"hi","dimensions":0}`, 400, "dimensions"},
	} {
		resp, b := post(t, hc, p, "/v1/embeddings", tc.body)
		if resp.StatusCode != tc.status || tc.param != "" && !strings.Contains(string(b), `"param":"`+tc.param+`"`) {
			t.Errorf("%s → %d %s; want %d param %q", tc.body, resp.StatusCode, b, tc.status, tc.param)
		}
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	hc := httpClient(t)
	resp, b := post(t, hc, p, "/v1/completions", helloBody)
	if resp.StatusCode != 404 || !strings.Contains(string(b), "Invalid URL (POST /v1/completions)") {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
	resp, b = post(t, hc, p, "/v1/models", "")
	if resp.StatusCode != http.StatusMethodNotAllowed || !json.Valid(b) {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
}

func TestBodyTooLarge(t *testing.T) {
	sim := newSim(t, Options{MaxBodyBytes: 64})
	p := start(t, sim, "primary")
	resp, b := post(t, httpClient(t), p, "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"`+strings.Repeat("x", 100)+`"}]}`)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !json.Valid(b) {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
}

// FuzzParseChatRequest checks that no body makes validation panic, and that
// a body it accepts yields a usable request.
func FuzzParseChatRequest(f *testing.F) {
	for _, s := range []string{
		helloBody, helloStreamBody, `{}`, `[]`, `null`, `{"model":"m","messages":[{}]}`,
		`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"}]}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"$ref":"#/x"}}}}}]}`,
		`{"model":"m","n":1e400,"messages":[{"role":"user","content":"hi"}]}`,
	} {
		f.Add([]byte(s))
	}
	c := content{seed: 1, name: "fuzz", tokens: 5, prefix: true}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, e := parseChatRequest(body)
		if (req == nil) == (e == nil) {
			t.Fatalf("request %v and error %v", req, e)
		}
		if e != nil {
			if e.status != 400 || e.Message == "" {
				t.Fatalf("error %+v", e)
			}
			return
		}
		if req.Model == "" || len(req.Messages) == 0 || req.N < 1 {
			t.Fatalf("accepted an unusable request %+v", req)
		}
		if len(req.Messages) < 64 && req.N <= 4 {
			for i := range req.N {
				_ = c.answer(req, i)
			}
		}
		_, _ = parseEmbeddingRequest(body)
	})
}
