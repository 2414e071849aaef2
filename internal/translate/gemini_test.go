package translate

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGeminiErrors(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   ErrorKind
	}{
		{"bad request", 400, `{"error":{"code":400,"message":"Invalid JSON payload","status":"INVALID_ARGUMENT"}}`, KindInvalidRequest},
		{"bad key", 400, `{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}`, KindAuthentication},
		{"forbidden", 403, `{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}`, KindPermission},
		{"not found", 404, `{"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}}`, KindNotFound},
		{"quota", 429, `{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}`, KindRateLimit},
		{"internal", 500, `{"error":{"code":500,"message":"oops","status":"INTERNAL"}}`, KindInternal},
		{"overloaded", 503, `{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}`, KindOverloaded},
		{"deadline", 504, `{"error":{"code":504,"message":"Deadline expired","status":"DEADLINE_EXCEEDED"}}`, KindTimeout},
		{"html 502", 502, `<html>bad gateway</html>`, KindInternal},
		{"in stream", 0, `{"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}`, KindOverloaded},
		{"in stream without status", 0, `{"error":{"code":429,"message":"slow down"}}`, KindRateLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := decodeGeminiError(c.status, []byte(c.body))
			if e.Kind != c.want || e.Message == "" {
				t.Fatalf("got kind %d message %q, want kind %d", e.Kind, e.Message, c.want)
			}
		})
	}
	// Every kind written in Gemini's shape reads back as a kind of the same
	// status.
	for k := KindInvalidRequest; k <= KindInternal; k++ {
		status, body := geminiErrorBody(APIError{Kind: k, Message: "m", Param: "p"})
		var out struct {
			Error gmError `json:"error"`
		}
		if err := json.Unmarshal(body, &out); err != nil || out.Error.Code != status || out.Error.Status == "" {
			t.Fatalf("kind %d: %d %s", k, status, body)
		}
		if !strings.HasPrefix(out.Error.Message, "p: ") {
			t.Errorf("kind %d: the param is not named: %q", k, out.Error.Message)
		}
	}
}

func TestGeminiRequestDecode(t *testing.T) {
	body := `{
	  "systemInstruction": {"parts": [{"text": "Be kind."}]},
	  "contents": [
	    {"role": "user", "parts": [{"text": "Weather?"}]},
	    {"role": "model", "parts": [{"text": "…", "thought": true}, {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
	    {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"content": "sunny"}}}]}
	  ],
	  "tools": [{"functionDeclarations": [{"name": "get_weather", "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}}}]}],
	  "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}},
	  "generationConfig": {"temperature": 0.5, "maxOutputTokens": 64, "stopSequences": ["x"], "responseMimeType": "application/json"}
	}`
	out, err := ConvertRequest(Gemini, OpenAI, []byte(body), "gpt")
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		Messages []struct {
			Role       string `json:"role"`
			ToolCallID string `json:"tool_call_id"`
			ToolCalls  []struct {
				ID string `json:"id"`
			} `json:"tool_calls"`
		} `json:"messages"`
		ToolChoice     any `json:"tool_choice"`
		ResponseFormat any `json:"response_format"`
		MaxTokens      int `json:"max_completion_tokens"`
	}
	if err := json.Unmarshal(out, &req); err != nil {
		t.Fatal(err)
	}
	if len(req.Messages) != 4 || req.Messages[0].Role != "system" || req.Messages[3].Role != "tool" {
		t.Fatalf("messages: %s", out)
	}
	if id := req.Messages[2].ToolCalls[0].ID; id == "" || req.Messages[3].ToolCallID != id {
		t.Fatalf("the result is not matched to its call: %s", out)
	}
	if req.MaxTokens != 64 || req.ResponseFormat == nil || req.ToolChoice == nil {
		t.Fatalf("settings lost: %s", out)
	}

	_, err = ConvertRequest(Gemini, OpenAI, []byte(`{"contents":[],"generationConfig":{"candidateCount":2}}`), "gpt")
	var te *Error
	if !errors.As(err, &te) || te.Param != "generationConfig.candidateCount" {
		t.Fatalf("candidateCount 2: %v", err)
	}
}

// TestGeminiRoundTrip: an answer written in Gemini's shape reads back the
// same, stream and whole.
func TestGeminiRoundTrip(t *testing.T) {
	in := `{"id":"chatcmpl-1","model":"m","choices":[{"message":{"content":"hi","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`
	g, err := ConvertResponse(OpenAI, Gemini, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	back, err := ConvertResponse(Gemini, OpenAI, g)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(back), `"id":"c1"`) || !strings.Contains(string(back), `"finish_reason":"tool_calls"`) {
		t.Fatalf("round trip lost the call: %s", back)
	}
	s, _ := NewStream(Anthropic, Gemini, false)
	var all []byte
	for _, ev := range parseSSE(mustRead(t, "testdata/tools/anthropic_stream.sse")) {
		out, err := s.Event([]byte(ev.name), []byte(ev.data))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, out...)
	}
	end, err := s.End()
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, end...)
	back, err = runStream(mustStream(Gemini, OpenAI, true), all)
	if err != nil || strings.Contains(string(back), ": end:") || !strings.Contains(string(back), "[DONE]") {
		t.Fatalf("Gemini stream from Anthropic does not read back complete: %v\n%s\n%s", err, all, back)
	}
	for _, ev := range parseSSE(all) {
		geminiChunkShape(t, []byte(ev.data))
	}
}

// TestClaudeCodeToGemini: a real Claude Code request (tools with rich JSON
// Schemas, a system turn inside messages, thinking settings) goes to
// Gemini in a shape its SDK's types accept.
func TestClaudeCodeToGemini(t *testing.T) {
	out, err := ConvertRequest(Anthropic, Gemini, mustRead(t, "testdata/claude_code/anthropic_request.json"), geminiTarget)
	if err != nil {
		t.Fatal(err)
	}
	checkGeminiRequest(t, out, &expectation{})
	var req struct {
		SystemInstruction struct {
			Parts []struct{ Text string } `json:"parts"`
		} `json:"systemInstruction"`
		Tools []struct {
			FunctionDeclarations []json.RawMessage `json:"functionDeclarations"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(out, &req); err != nil {
		t.Fatal(err)
	}
	if len(req.SystemInstruction.Parts) < 2 || len(req.Tools) != 1 || len(req.Tools[0].FunctionDeclarations) == 0 {
		t.Fatalf("instructions or tools lost: %d parts, %d tools", len(req.SystemInstruction.Parts), len(req.Tools))
	}
	for _, bad := range []string{`"additionalProperties"`, `"$schema"`, `"cache_control"`} {
		if strings.Contains(string(out), bad) {
			t.Errorf("the request still has %s", bad)
		}
	}
}
