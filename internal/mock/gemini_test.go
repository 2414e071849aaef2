package mock

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"google.golang.org/genai"
)

// gemini is a google.golang.org/genai client of p, the way a user of
// Google's SDK points it at a gateway or a simulator.
func gemini(t *testing.T, p *Provider, key string) *genai.Client {
	t.Helper()
	c, err := genai.NewClient(testContext(t), &genai.ClientConfig{
		APIKey:      key,
		Backend:     genai.BackendGeminiAPI,
		HTTPClient:  httpClient(t),
		HTTPOptions: genai.HTTPOptions{BaseURL: p.GeminiURL()},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var geminiWeatherTool = &genai.Tool{FunctionDeclarations: []*genai.FunctionDeclaration{{
	Name:        "get_weather",
	Description: "Weather now",
	Parameters: &genai.Schema{Type: genai.TypeObject, Required: []string{"city"},
		Properties: map[string]*genai.Schema{"city": {Type: genai.TypeString}, "days": {Type: genai.TypeInteger}}},
}}}

func TestGeminiGenerateContent(t *testing.T) {
	sim := newSim(t, Options{Seed: 7})
	p := start(t, sim, "primary")
	c := gemini(t, p, "test-key")
	resp, err := c.Models.GenerateContent(testContext(t), "gemini-2.5-flash", genai.Text("Hello there"), nil)
	if err != nil {
		t.Fatal(err)
	}
	text := resp.Text()
	if !strings.HasPrefix(text, "[primary] ") || resp.Candidates[0].FinishReason != genai.FinishReasonStop || resp.ModelVersion != "gemini-2.5-flash" {
		t.Fatalf("answer %q, finish %q, model %q", text, resp.Candidates[0].FinishReason, resp.ModelVersion)
	}
	u := resp.UsageMetadata
	if u == nil || u.PromptTokenCount < 1 || u.CandidatesTokenCount != 20 || u.TotalTokenCount != u.PromptTokenCount+u.CandidatesTokenCount {
		t.Fatalf("usage %+v", u)
	}
	// The same conversation gets the same answer in the OpenAI dialect.
	oc := sdk(t, p)
	oa, err := oc.Chat.Completions.New(testContext(t), openai.ChatCompletionNewParams{
		Model: "gpt-4o", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello there")},
	})
	if err != nil || oa.Choices[0].Message.Content != text {
		t.Fatalf("OpenAI answer %v %q, Gemini's %q", err, oa.Choices[0].Message.Content, text)
	}

	var streamed strings.Builder
	var last *genai.GenerateContentResponse
	for chunk, err := range c.Models.GenerateContentStream(testContext(t), "gemini-2.5-flash", genai.Text("Hello there"), nil) {
		if err != nil {
			t.Fatal(err)
		}
		streamed.WriteString(chunk.Text())
		last = chunk
	}
	if streamed.String() != text || last.Candidates[0].FinishReason != genai.FinishReasonStop || last.UsageMetadata.CandidatesTokenCount != 20 {
		t.Fatalf("stream %q, last chunk %+v", streamed.String(), last)
	}
}

func TestGeminiToolCallRoundTrip(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	c := gemini(t, p, "test-key")
	cfg := &genai.GenerateContentConfig{
		Tools:             []*genai.Tool{geminiWeatherTool},
		ToolConfig:        &genai.ToolConfig{FunctionCallingConfig: &genai.FunctionCallingConfig{Mode: genai.FunctionCallingConfigModeAny}},
		SystemInstruction: genai.NewContentFromText("Use tools.", genai.RoleUser),
	}
	ask := genai.Text("Weather in Paris?")
	resp, err := c.Models.GenerateContent(testContext(t), "gemini-2.5-flash", ask, cfg)
	if err != nil {
		t.Fatal(err)
	}
	calls := resp.FunctionCalls()
	if len(calls) != 1 || calls[0].Name != "get_weather" || calls[0].Args["city"] == nil || resp.Candidates[0].FinishReason != genai.FinishReasonStop {
		t.Fatalf("calls %+v, finish %q", calls, resp.Candidates[0].FinishReason)
	}
	var streamedCall *genai.FunctionCall
	for chunk, err := range c.Models.GenerateContentStream(testContext(t), "gemini-2.5-flash", ask, cfg) {
		if err != nil {
			t.Fatal(err)
		}
		if fc := chunk.FunctionCalls(); len(fc) > 0 {
			streamedCall = fc[0]
		}
	}
	if streamedCall == nil || streamedCall.Name != "get_weather" {
		t.Fatalf("streamed call %+v", streamedCall)
	}
	history := append(ask, resp.Candidates[0].Content,
		genai.NewContentFromFunctionResponse("get_weather", map[string]any{"content": "18 degrees and clear"}, genai.RoleUser))
	resp, err = c.Models.GenerateContent(testContext(t), "gemini-2.5-flash", history, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Text(); got != "[primary] The tool get_weather returned: 18 degrees and clear." {
		t.Fatalf("after the tool result: %q", got)
	}
}

func TestGeminiErrors(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithAPIKeys("test-key"))
	c := gemini(t, p, "test-key")
	for _, tc := range []struct {
		status int
		want   string
	}{{400, "INVALID_ARGUMENT"}, {403, "PERMISSION_DENIED"}, {404, "NOT_FOUND"}, {429, "RESOURCE_EXHAUSTED"},
		{500, "INTERNAL"}, {503, "UNAVAILABLE"}, {504, "DEADLINE_EXCEEDED"}} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			if err := p.SetFault(Fault{Status: tc.status}); err != nil {
				t.Fatal(err)
			}
			_, err := c.Models.GenerateContent(testContext(t), "gemini-2.5-flash", genai.Text("hi"), nil)
			apiErr, ok := errors.AsType[genai.APIError](err)
			if !ok || apiErr.Code != tc.status || apiErr.Status != tc.want || apiErr.Message == "" {
				t.Fatalf("error %#v, want %d %s", err, tc.status, tc.want)
			}
		})
	}
	if err := p.SetFault(Fault{Status: 429, RetryAfter: Duration(1500 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Models.GenerateContent(testContext(t), "gemini-2.5-flash", genai.Text("hi"), nil)
	if apiErr, ok := errors.AsType[genai.APIError](err); !ok || len(apiErr.Details) != 1 || apiErr.Details[0]["retryDelay"] != "1.5s" {
		t.Fatalf("429 with a retry delay: %#v", err)
	}
	if err := p.SetFault(Fault{}); err != nil {
		t.Fatal(err)
	}
	_, err = gemini(t, p, "not-the-key").Models.GenerateContent(testContext(t), "m", genai.Text("hi"), nil)
	if apiErr, ok := errors.AsType[genai.APIError](err); !ok || apiErr.Code != 400 || !strings.Contains(apiErr.Message, "API key not valid") {
		t.Fatalf("a wrong key: %v", err)
	}
	resp, body := post(t, httpClient(t), p, "/v1beta/models/m:generateContent", `{"contents":[{"parts":[{"text":"hi"}]}]}`)
	if resp.StatusCode != 403 || !strings.Contains(string(body), `"status":"PERMISSION_DENIED"`) {
		t.Fatalf("no key: %d %s", resp.StatusCode, body)
	}
	// A JSON Schema keyword Gemini lacks is refused, as Gemini does.
	bad := &genai.GenerateContentConfig{ResponseMIMEType: "application/json", ResponseSchema: &genai.Schema{Type: genai.TypeObject}}
	_, err = c.Models.GenerateContent(testContext(t), "m", genai.Text("hi"), bad)
	if err != nil {
		t.Fatalf("a valid schema was refused: %v", err)
	}
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodPost, p.GeminiURL()+"/v1beta/models/m:generateContent?key=test-key",
		strings.NewReader(`{"contents":[{"parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"object","additionalProperties":false}}]}]}`))
	r, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 400 || !strings.Contains(string(b), `Unknown name \"additionalProperties\"`) {
		t.Fatalf("additionalProperties: %d %s", r.StatusCode, b)
	}
}

func TestGeminiStreamFaults(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	c := gemini(t, p, "test-key")
	run := func() (chunks int, err error) {
		for _, err := range c.Models.GenerateContentStream(testContext(t), "gemini-2.5-flash", genai.Text("hi"), nil) {
			if err != nil {
				return chunks, err
			}
			chunks++
		}
		return chunks, nil
	}
	if err := p.SetFault(Fault{OverloadedAfterChunks: 2}); err != nil {
		t.Fatal(err)
	}
	n, err := run()
	if apiErr, ok := errors.AsType[genai.APIError](err); !ok || n != 2 || apiErr.Code != 503 || apiErr.Status != "UNAVAILABLE" {
		t.Fatalf("in-stream error after %d chunks: %v", n, err)
	}
	if err := p.SetFault(Fault{CutAfterChunks: 3}); err != nil {
		t.Fatal(err)
	}
	if n, err := run(); n != 3 || err == nil {
		t.Fatalf("cut after %d chunks: %v", n, err)
	}
	if err := p.SetFault(Fault{Malformed: true}); err != nil {
		t.Fatal(err)
	}
	if n, err := run(); n != 0 || err == nil {
		t.Fatalf("malformed: %d chunks, %v", n, err)
	}
	if err := p.SetFault(Fault{OverloadedAfterChunks: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Models.GenerateContent(testContext(t), "m", genai.Text("hi"), nil)
	if apiErr, ok := errors.AsType[genai.APIError](err); !ok || apiErr.Code != 503 {
		t.Fatalf("overloaded, not streamed: %v", err)
	}
}

// TestGeminiJSONArrayStream: without alt=sse, Google streams one JSON
// array whose elements are the chunks.
func TestGeminiJSONArrayStream(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithTokens(3))
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodPost, p.GeminiURL()+"/v1beta/models/m:streamGenerateContent",
		strings.NewReader(`{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`))
	req.Header.Set("X-Goog-Api-Key", "test-key")
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var chunks []genai.GenerateContentResponse
	if err := json.NewDecoder(resp.Body).Decode(&chunks); err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 4 || chunks[3].Candidates[0].FinishReason != genai.FinishReasonStop {
		t.Fatalf("%d chunks: %+v", len(chunks), chunks)
	}
}
