package translate

import (
	"errors"
	"testing"
)

// errorDecoders read a provider's error answer or in-stream error event,
// as the stream decoders do.
var errorDecoders = map[Dialect]func(status int, body []byte) APIError{
	OpenAI: decodeOpenAIError, Anthropic: decodeAnthropicError, Converse: decodeConverseError, Gemini: decodeGeminiError,
}

// convertError reads a provider's error of dialect from and writes it as
// the error a client of dialect to gets in its stream (with the status
// the writer maps its kind to).
func convertError(from, to Dialect, status int, body []byte) (int, []byte) {
	e := errorDecoders[from](status, body)
	switch to {
	case Anthropic:
		return anthropicErrorBody(e)
	case Gemini:
		return geminiErrorBody(e)
	}
	return openAIErrorBody(e)
}

func TestAnthropicErrorToOpenAI(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		body       string
		wantStatus int
		wantType   string
		wantCode   string
		wantMsg    string
	}{
		{"bad request", 400, `{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too big"},"request_id":"req_1"}`, 400, "invalid_request_error", "", "max_tokens: too big"},
		{"auth", 401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`, 401, "invalid_request_error", "invalid_api_key", "invalid x-api-key"},
		{"billing", 402, `{"type":"error","error":{"type":"billing_error","message":"credit"}}`, 429, "insufficient_quota", "insufficient_quota", "credit"},
		{"forbidden", 403, `{"type":"error","error":{"type":"permission_error","message":"no"}}`, 403, "permission_error", "", "no"},
		{"not found", 404, `{"type":"error","error":{"type":"not_found_error","message":"model: x"}}`, 404, "invalid_request_error", "not_found", "model: x"},
		{"too large", 413, `{"type":"error","error":{"type":"request_too_large","message":"big"}}`, 413, "invalid_request_error", "request_too_large", "big"},
		{"rate limit", 429, `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`, 429, "rate_limit_exceeded", "rate_limit_exceeded", "slow down"},
		{"internal", 500, `{"type":"error","error":{"type":"api_error","message":"oops"}}`, 500, "server_error", "", "oops"},
		{"timeout", 504, `{"type":"error","error":{"type":"timeout_error","message":"late"}}`, 504, "server_error", "timeout", "late"},
		{"overloaded", 529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, 503, "server_error", "overloaded", "Overloaded"},
		{"type wins over status", 500, `{"type":"error","error":{"type":"overloaded_error","message":"busy"}}`, 503, "server_error", "overloaded", "busy"},
		{"html 502 keeps its status", 502, `<html>Bad Gateway</html>`, 502, "server_error", "", "The provider answered 502 Bad Gateway."},
		{"empty 529", 529, ``, 503, "server_error", "overloaded", "The provider answered 529."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := convertError(Anthropic, OpenAI, c.status, []byte(c.body))
			var got struct {
				Error sdkErrorFields `json:"error"`
			}
			strictDecode(t, "OpenAI error", body, &got)
			code := ""
			if got.Error.Code != nil {
				code = *got.Error.Code
			}
			if status != c.wantStatus || got.Error.Type != c.wantType || code != c.wantCode || got.Error.Message != c.wantMsg {
				t.Errorf("got %d %s %q %q, want %d %s %q %q", status, got.Error.Type, code, got.Error.Message, c.wantStatus, c.wantType, c.wantCode, c.wantMsg)
			}
		})
	}
}

func TestOpenAIErrorToAnthropic(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		body       string
		wantStatus int
		wantType   string
		wantMsg    string
	}{
		{"context length", 400, `{"error":{"message":"too long","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`, 400, "invalid_request_error", "messages: too long"},
		{"bad key", 401, `{"error":{"message":"Incorrect API key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`, 401, "authentication_error", "Incorrect API key"},
		{"forbidden", 403, `{"error":{"message":"region","type":"request_forbidden","code":"unsupported_country_region_territory"}}`, 403, "permission_error", "region"},
		{"model", 404, `{"error":{"message":"no model","type":"invalid_request_error","code":"model_not_found"}}`, 404, "not_found_error", "no model"},
		{"timeout 408", 408, `{"error":{"message":"timed out","type":"server_error"}}`, 504, "timeout_error", "timed out"},
		{"unprocessable", 422, `{"error":{"message":"bad","type":"invalid_request_error"}}`, 400, "invalid_request_error", "bad"},
		{"rate limit", 429, `{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}`, 429, "rate_limit_error", "Rate limit reached"},
		{"quota is billing", 429, `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`, 402, "billing_error", "You exceeded your current quota"},
		{"server", 500, `{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}`, 500, "api_error", "The server had an error"},
		{"numeric code", 500, `{"error":{"message":"x","type":"server_error","code":500}}`, 500, "api_error", "x"},
		{"overloaded", 503, `{"error":{"message":"The engine is currently overloaded","type":"server_error"}}`, 529, "overloaded_error", "The engine is currently overloaded"},
		{"gateway timeout html", 504, `<html>504</html>`, 504, "timeout_error", "The provider answered 504 Gateway Timeout."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := convertError(OpenAI, Anthropic, c.status, []byte(c.body))
			var got struct {
				Type  string `json:"type"`
				Error struct {
					Type    string `json:"type"`
					Message string `json:"message"`
				} `json:"error"`
			}
			strictDecode(t, "Anthropic error", body, &got)
			if status != c.wantStatus || got.Type != "error" || got.Error.Type != c.wantType || got.Error.Message != c.wantMsg {
				t.Errorf("got %d %s %q, want %d %s %q", status, got.Error.Type, got.Error.Message, c.wantStatus, c.wantType, c.wantMsg)
			}
		})
	}
}

func TestStreamErrorEvent(t *testing.T) {
	e := APIError{Kind: KindOverloaded, Message: "Overloaded"}
	got := string(anthropicStreamError(e))
	want := "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
	if got != want {
		t.Errorf("Anthropic: got %q, want %q", got, want)
	}
	got = string(openAIStreamError(APIError{Kind: KindRateLimit, Message: "The provider reported an error."}))
	want = "data: {\"error\":{\"message\":\"The provider reported an error.\",\"type\":\"rate_limit_exceeded\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}\n\n"
	if got != want {
		t.Errorf("OpenAI: got %q, want %q", got, want)
	}
}

// TestRequestFieldErrors checks that a request of the wrong shape is
// refused naming the field, never translated half.
func TestRequestFieldErrors(t *testing.T) {
	cases := []struct {
		translate func([]byte, string) ([]byte, error)
		body      string
		param     string
	}{
		{OpenAIToAnthropic, `{"model":"m","temperature":"hot","messages":[]}`, "temperature"},
		{OpenAIToAnthropic, `{"model":"m","messages":[{"role":"wizard","content":"x"}]}`, "messages[0].role"},
		{OpenAIToAnthropic, `{"model":"m","messages":[{"role":"user","content":42}]}`, "messages[0].content"},
		{OpenAIToAnthropic, `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}`, "messages[0].content[0].image_url.url"},
		{OpenAIToAnthropic, `{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]}`, "messages[0].content[0].file"},
		{OpenAIToAnthropic, `{"model":"m","tools":[{"type":"custom","custom":{"name":"x"}}],"messages":[]}`, "tools[0].type"},
		{OpenAIToAnthropic, `{"model":"m","tool_choice":"sometimes","messages":[]}`, "tool_choice"},
		{OpenAIToAnthropic, `{"model":"m","functions":[{"name":"f"}],"messages":[]}`, "functions"},
		{OpenAIToAnthropic, `{"model":"m","messages":[{"role":"function","name":"f","content":"x"}]}`, "messages[0].role"},
		{OpenAIToAnthropic, `{"model":"m","response_format":{"type":"xml"},"messages":[]}`, "response_format.type"},
		{OpenAIToAnthropic, `not json`, ""},
		{AnthropicToOpenAI, `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"url","url":"https://x/a.pdf"}}]}]}`, "messages[0].content[0].source"},
		{AnthropicToOpenAI, `{"model":"m","max_tokens":1,"mcp_servers":[{"type":"url","url":"https://x"}],"messages":[]}`, "mcp_servers"},
		{AnthropicToOpenAI, `{"model":"m","max_tokens":1,"tool_choice":{"type":"maybe"},"messages":[]}`, "tool_choice.type"},
	}
	for _, c := range cases {
		out, err := c.translate([]byte(c.body), "target")
		var te *Error
		if !errors.As(err, &te) || te.Param != c.param || te.Message == "" {
			t.Errorf("%s: got %s, %v; want an *Error naming %q", c.body, out, err, c.param)
		}
	}
}

func TestMalformedProviderData(t *testing.T) {
	for _, f := range []func([]byte) ([]byte, error){AnthropicResponseToOpenAI, OpenAIResponseToAnthropic} {
		for _, body := range []string{`<html>`, `{"type":"error","error":{}}`, `{"choices":[]}`} {
			if _, err := f([]byte(body)); !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: got %v, want ErrMalformed", body, err)
			}
		}
	}
	for _, s := range []Stream{NewAnthropicToOpenAIStream(true), NewOpenAIToAnthropicStream()} {
		if _, err := s.Event(nil, []byte(`{"type":`)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%T: got %v, want ErrMalformed", s, err)
		}
	}
}

func TestUnknownDialect(t *testing.T) {
	if _, err := ConvertRequest("cohere", OpenAI, []byte(`{}`), "m"); err == nil {
		t.Error("an unknown dialect must be an error")
	}
	if _, err := NewStream(OpenAI, "bedrock", false); err == nil {
		t.Error("an unknown dialect must be an error")
	}
}
