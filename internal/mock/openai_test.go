package mock

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
)

func TestSDKCompletion(t *testing.T) {
	sim := newSim(t, Options{Seed: 1})
	p := start(t, sim, "primary")
	client := sdk(t, p)

	cc, err := client.Chat.Completions.New(testContext(t), userParams("What is the weather like?"))
	if err != nil {
		t.Fatal(err)
	}
	// system_fingerprint is deprecated in the SDK's types but still sent
	// by OpenAI, so read it from the raw JSON.
	var raw struct {
		SystemFingerprint string `json:"system_fingerprint"`
	}
	_ = json.Unmarshal([]byte(cc.RawJSON()), &raw)
	if !strings.HasPrefix(cc.ID, "chatcmpl-") || cc.Object != "chat.completion" || cc.Model != "gpt-4o-mini" || !strings.HasPrefix(raw.SystemFingerprint, "fp_") {
		t.Errorf("envelope: id %q object %q model %q fingerprint %q", cc.ID, cc.Object, cc.Model, raw.SystemFingerprint)
	}
	if len(cc.Choices) != 1 {
		t.Fatalf("%d choices", len(cc.Choices))
	}
	ch := cc.Choices[0]
	text := ch.Message.Content
	if !strings.HasPrefix(text, "[primary] ") || !strings.HasSuffix(text, ".") {
		t.Errorf("content %q: want it to start with [primary] and end with a period", text)
	}
	if n := len(strings.Fields(text)); n != 20 {
		t.Errorf("content has %d words, want 20: %q", n, text)
	}
	if ch.FinishReason != "stop" || ch.Message.Role != "assistant" {
		t.Errorf("finish %q role %q", ch.FinishReason, ch.Message.Role)
	}
	u := cc.Usage
	// "What is the weather like?" is 25 characters: 25/4 = 6 tokens.
	if u.PromptTokens != 6 || u.CompletionTokens != 20 || u.TotalTokens != 26 {
		t.Errorf("usage %+v", u)
	}
	if !u.JSON.PromptTokensDetails.Valid() || !u.JSON.CompletionTokensDetails.Valid() {
		t.Error("usage details missing")
	}
}

func TestSDKMaxTokensCapsTheAnswer(t *testing.T) {
	sim := newSim(t, Options{Seed: 1})
	p := start(t, sim, "primary", WithTokens(30))
	client := sdk(t, p)
	for _, tc := range []struct {
		name   string
		params func(*openai.ChatCompletionNewParams)
		words  int
		finish string
	}{
		{"max_tokens", func(p *openai.ChatCompletionNewParams) { p.MaxTokens = openai.Int(5) }, 5, "length"},
		{"max_completion_tokens", func(p *openai.ChatCompletionNewParams) { p.MaxCompletionTokens = openai.Int(7) }, 7, "length"},
		{"the smaller of both", func(p *openai.ChatCompletionNewParams) {
			p.MaxTokens, p.MaxCompletionTokens = openai.Int(9), openai.Int(3)
		}, 3, "length"},
		{"cap equal to the length", func(p *openai.ChatCompletionNewParams) { p.MaxTokens = openai.Int(30) }, 30, "stop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params := userParams("hello")
			tc.params(&params)
			cc, err := client.Chat.Completions.New(testContext(t), params)
			if err != nil {
				t.Fatal(err)
			}
			text := cc.Choices[0].Message.Content
			if n := len(strings.Fields(text)); n != tc.words || cc.Usage.CompletionTokens != int64(tc.words) {
				t.Errorf("%d words, %d completion tokens, want %d: %q", n, cc.Usage.CompletionTokens, tc.words, text)
			}
			if cc.Choices[0].FinishReason != tc.finish {
				t.Errorf("finish %q, want %q", cc.Choices[0].FinishReason, tc.finish)
			}
		})
	}
}

func TestSDKStreamMatchesCompletion(t *testing.T) {
	sim := newSim(t, Options{Seed: 7})
	p := start(t, sim, "primary")
	client := sdk(t, p)
	params := userParams("Tell me a story")

	cc, err := client.Chat.Completions.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	params.StreamOptions.IncludeUsage = openai.Bool(true)
	stream := client.Chat.Completions.NewStreaming(testContext(t), params)
	var acc openai.ChatCompletionAccumulator
	var ids []string
	contentChunks, usageChunks := 0, 0
	for stream.Next() {
		chunk := stream.Current()
		if !acc.AddChunk(chunk) {
			t.Fatalf("accumulator refused chunk %s", chunk.RawJSON())
		}
		ids = append(ids, chunk.ID)
		if len(chunk.Choices) == 0 {
			usageChunks++
			continue
		}
		if chunk.Choices[0].Delta.Content != "" {
			contentChunks++
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if got, want := acc.Choices[0].Message.Content, cc.Choices[0].Message.Content; got != want {
		t.Errorf("streamed text %q\nwant the non-streamed text %q", got, want)
	}
	if acc.Choices[0].FinishReason != "stop" {
		t.Errorf("finish %q", acc.Choices[0].FinishReason)
	}
	if contentChunks != 20 || usageChunks != 1 {
		t.Errorf("%d content chunks, %d usage chunks; want 20 and 1", contentChunks, usageChunks)
	}
	if acc.Usage.CompletionTokens != 20 || acc.Usage.PromptTokens != cc.Usage.PromptTokens {
		t.Errorf("usage %+v, non-streamed %+v", acc.Usage, cc.Usage)
	}
	for _, id := range ids {
		if id != ids[0] || !strings.HasPrefix(id, "chatcmpl-") {
			t.Fatalf("chunk ids differ or are malformed: %v", ids)
		}
	}
}

func weatherTool() openai.ChatCompletionToolUnionParam {
	return openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
		Name: "get_weather",
		Parameters: openai.FunctionParameters{
			"type": "object",
			"properties": map[string]any{
				"city":  map[string]any{"type": "string"},
				"days":  map[string]any{"type": "integer", "minimum": 1, "maximum": 7},
				"unit":  map[string]any{"type": "string", "enum": []string{"celsius", "fahrenheit"}},
				"hours": map[string]any{"type": "array", "items": map[string]any{"type": "number"}},
			},
			"required": []string{"city"},
		},
	})
}

func checkWeatherArgs(t *testing.T, args string) {
	t.Helper()
	var v struct {
		City  *string   `json:"city"`
		Days  *int      `json:"days"`
		Unit  *string   `json:"unit"`
		Hours []float64 `json:"hours"`
	}
	if err := json.Unmarshal([]byte(args), &v); err != nil {
		t.Fatalf("arguments %q: %v", args, err)
	}
	if v.City == nil || v.Days == nil || *v.Days < 1 || *v.Days > 7 || v.Unit == nil || len(v.Hours) != 1 {
		t.Errorf("arguments %s do not fit the schema", args)
	}
	if *v.Unit != "celsius" && *v.Unit != "fahrenheit" {
		t.Errorf("unit %q is not in the enum", *v.Unit)
	}
}

func TestSDKToolCallRoundTrip(t *testing.T) {
	sim := newSim(t, Options{Seed: 3})
	p := start(t, sim, "primary")
	client := sdk(t, p)
	params := userParams("Weather in Paris?")
	params.Tools = []openai.ChatCompletionToolUnionParam{weatherTool()}

	cc, err := client.Chat.Completions.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	msg := cc.Choices[0].Message
	if cc.Choices[0].FinishReason != "tool_calls" || len(msg.ToolCalls) != 1 {
		t.Fatalf("finish %q, %d tool calls", cc.Choices[0].FinishReason, len(msg.ToolCalls))
	}
	call := msg.ToolCalls[0]
	if call.Function.Name != "get_weather" || !strings.HasPrefix(call.ID, "call_") || call.Type != "function" {
		t.Errorf("tool call %+v", call)
	}
	checkWeatherArgs(t, call.Function.Arguments)
	if msg.Content != "" || msg.JSON.Content.Raw() != "null" {
		t.Errorf("content %q (raw %s), want null beside a tool call", msg.Content, msg.JSON.Content.Raw())
	}

	stream := client.Chat.Completions.NewStreaming(testContext(t), params)
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		if !acc.AddChunk(stream.Current()) {
			t.Fatal("accumulator refused a chunk")
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	streamed := acc.Choices[0].Message.ToolCalls
	if len(streamed) != 1 || streamed[0].Function.Name != "get_weather" || streamed[0].ID != call.ID {
		t.Fatalf("streamed tool calls %+v, want the one non-streamed", streamed)
	}
	if streamed[0].Function.Arguments != call.Function.Arguments || acc.Choices[0].FinishReason != "tool_calls" {
		t.Errorf("streamed arguments %q finish %q, want %q tool_calls",
			streamed[0].Function.Arguments, acc.Choices[0].FinishReason, call.Function.Arguments)
	}

	params.Messages = append(params.Messages, msg.ToParam(), openai.ToolMessage("18 degrees and sunny", call.ID))
	answer, err := client.Chat.Completions.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	text := answer.Choices[0].Message.Content
	if answer.Choices[0].FinishReason != "stop" || !strings.Contains(text, "get_weather") || !strings.Contains(text, "18 degrees and sunny") {
		t.Errorf("tool result turn: finish %q text %q", answer.Choices[0].FinishReason, text)
	}
}

func TestToolChoice(t *testing.T) {
	sim := newSim(t, Options{Seed: 3})
	p := start(t, sim, "primary")
	client := sdk(t, p)
	other := openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{Name: "lookup"})

	params := userParams("hi")
	params.Tools = []openai.ChatCompletionToolUnionParam{weatherTool(), other}
	params.ToolChoice = openai.ToolChoiceOptionFunctionToolChoice(openai.ChatCompletionNamedToolChoiceFunctionParam{Name: "lookup"})
	cc, err := client.Chat.Completions.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	if calls := cc.Choices[0].Message.ToolCalls; len(calls) != 1 || calls[0].Function.Name != "lookup" || calls[0].Function.Arguments != "{}" {
		t.Errorf("forced tool: %+v", calls)
	}

	params.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("none")}
	cc, err = client.Chat.Completions.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	if len(cc.Choices[0].Message.ToolCalls) != 0 || cc.Choices[0].FinishReason != "stop" || cc.Choices[0].Message.Content == "" {
		t.Errorf("tool_choice none: %+v", cc.Choices[0])
	}
}

func TestSDKModels(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithModels("alpha-1", "beta-2"))
	client := sdk(t, p)
	page, err := client.Models.List(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range page.Data {
		ids = append(ids, m.ID)
	}
	if strings.Join(ids, ",") != "alpha-1,beta-2" {
		t.Errorf("models %v", ids)
	}
	m, err := client.Models.Get(testContext(t), "beta-2")
	if err != nil || m.ID != "beta-2" {
		t.Errorf("get: %v %+v", err, m)
	}
	_, err = client.Models.Get(testContext(t), "nope")
	if apiErr, ok := errors.AsType[*openai.Error](err); !ok || apiErr.StatusCode != 404 || apiErr.Code != "model_not_found" {
		t.Errorf("unknown model: %v", err)
	}
}

func TestSDKEmbeddings(t *testing.T) {
	sim := newSim(t, Options{Seed: 5})
	p := start(t, sim, "primary")
	client := sdk(t, p)
	get := func(format openai.EmbeddingNewParamsEncodingFormat) *openai.CreateEmbeddingResponse {
		t.Helper()
		res, err := client.Embeddings.New(testContext(t), openai.EmbeddingNewParams{
			Model:          "text-embedding-3-small",
			Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"one", "two"}},
			EncodingFormat: format,
			Dimensions:     openai.Int(16),
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	floats, b64 := get(openai.EmbeddingNewParamsEncodingFormatFloat), get(openai.EmbeddingNewParamsEncodingFormatBase64)
	if len(floats.Data) != 2 || len(b64.Data) != 2 || floats.Model != "text-embedding-3-small" || floats.Usage.PromptTokens < 1 {
		t.Fatalf("float %+v\nbase64 %+v", floats, b64)
	}
	for i := range floats.Data {
		f, b := floats.Data[i].Embedding, b64.Data[i].Embedding
		if len(f) != 16 || len(b) != 16 || floats.Data[i].Index != int64(i) {
			t.Fatalf("embedding %d: %d and %d dimensions", i, len(f), len(b))
		}
		for j := range f {
			if float32(f[j]) != float32(b[j]) {
				t.Fatalf("embedding %d differs between float and base64 at %d: %v vs %v", i, j, f[j], b[j])
			}
		}
	}
	if floats.Data[0].Embedding[0] == floats.Data[1].Embedding[0] {
		t.Error("two inputs got the same embedding")
	}
}

func TestSDKErrorStatuses(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	client := sdk(t, p)
	for _, tc := range []struct {
		status int
		typ    string
		code   string
	}{
		{400, "invalid_request_error", ""},
		{401, "invalid_request_error", "invalid_api_key"},
		{403, "invalid_request_error", "model_not_allowed"},
		{404, "invalid_request_error", "model_not_found"},
		{408, "invalid_request_error", ""},
		{409, "invalid_request_error", ""},
		{422, "invalid_request_error", ""},
		{429, "requests", "rate_limit_exceeded"},
		{500, "server_error", ""},
		{502, "server_error", ""},
		{503, "server_error", ""},
		{504, "server_error", ""},
	} {
		if err := p.SetFault(Fault{Status: tc.status}); err != nil {
			t.Fatal(err)
		}
		_, err := client.Chat.Completions.New(testContext(t), userParams("hi"))
		apiErr, ok := errors.AsType[*openai.Error](err)
		if !ok {
			t.Errorf("status %d: error %v is not an *openai.Error", tc.status, err)
			continue
		}
		if apiErr.StatusCode != tc.status || apiErr.Type != tc.typ || apiErr.Code != tc.code || apiErr.Message == "" {
			t.Errorf("status %d: got status %d type %q code %q message %q", tc.status, apiErr.StatusCode, apiErr.Type, apiErr.Code, apiErr.Message)
		}
		stream := client.Chat.Completions.NewStreaming(testContext(t), userParams("hi"))
		for stream.Next() {
		}
		if apiErr, ok := errors.AsType[*openai.Error](stream.Err()); !ok || apiErr.StatusCode != tc.status {
			t.Errorf("status %d streamed: %v", tc.status, stream.Err())
		}
	}
}

func TestSDKMalformedAndCutAreErrors(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	client := sdk(t, p)
	for _, f := range []Fault{{Malformed: true}, {CutAfterChunks: 3}, {CutAfterChunks: AfterRoleChunk}} {
		if err := p.SetFault(f); err != nil {
			t.Fatal(err)
		}
		if _, err := client.Chat.Completions.New(testContext(t), userParams("hi")); err == nil {
			t.Errorf("%s: non-streamed request succeeded", f)
		} else if _, isAPI := errors.AsType[*openai.Error](err); isAPI {
			t.Errorf("%s: %v is an API error, want a decoding or transport error", f, err)
		}
		stream := client.Chat.Completions.NewStreaming(testContext(t), userParams("hi"))
		for stream.Next() {
		}
		if stream.Err() == nil {
			t.Errorf("%s: stream ended without an error", f)
		}
	}
}

// TestStreamWireFormat checks the raw events: order, [DONE] exactly once,
// usage null on every chunk but the usage chunk, one token per chunk.
func TestStreamWireFormat(t *testing.T) {
	sim := newSim(t, Options{Seed: 2})
	p := start(t, sim, "primary", WithTokens(4))
	resp, body := post(t, httpClient(t), p, "/v1/chat/completions", helloStreamBody)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if n := strings.Count(string(body), "data: [DONE]"); n != 1 || !strings.HasSuffix(string(body), "data: [DONE]\n\n") {
		t.Fatalf("[DONE] %d times, or not last:\n%s", n, body)
	}
	events := sseEvents(t, body)
	// role, 4 content, finish, usage, [DONE]
	if len(events) != 8 {
		t.Fatalf("%d events:\n%s", len(events), body)
	}
	type chunk struct {
		ID      string          `json:"id"`
		Object  string          `json:"object"`
		Usage   json.RawMessage `json:"usage"`
		Choices []struct {
			Delta        map[string]json.RawMessage `json:"delta"`
			FinishReason *string                    `json:"finish_reason"`
		} `json:"choices"`
	}
	var chunks []chunk
	for _, ev := range events[:7] {
		var c chunk
		if err := json.Unmarshal([]byte(ev), &c); err != nil {
			t.Fatalf("%q: %v", ev, err)
		}
		if c.Object != "chat.completion.chunk" || len(chunks) > 0 && c.ID != chunks[0].ID {
			t.Errorf("chunk %q: wrong object, or id differs from the first chunk's", ev)
		}
		chunks = append(chunks, c)
	}
	if d := chunks[0].Choices[0].Delta; string(d["role"]) != `"assistant"` || string(d["content"]) != `""` {
		t.Errorf("first chunk delta %s", events[0])
	}
	for i, c := range chunks[1:5] {
		content := string(c.Choices[0].Delta["content"])
		if (i == 0) != strings.HasPrefix(content, `"[primary]`) || (i > 0 && !strings.HasPrefix(content, `" `)) || c.Choices[0].FinishReason != nil {
			t.Errorf("content chunk %d: %s", i, events[i+1])
		}
	}
	if f := chunks[5].Choices[0]; len(f.Delta) != 0 || f.FinishReason == nil || *f.FinishReason != "stop" {
		t.Errorf("finish chunk %s", events[5])
	}
	if len(chunks[6].Choices) != 0 || !strings.Contains(string(chunks[6].Usage), `"completion_tokens":4`) || !strings.Contains(events[6], `"choices":[]`) {
		t.Errorf("usage chunk %s", events[6])
	}
	for i, c := range chunks[:6] {
		if string(c.Usage) != "null" {
			t.Errorf("chunk %d: usage %s, want null", i, c.Usage)
		}
	}

	// Without include_usage: no usage chunk and no usage field.
	_, body = post(t, httpClient(t), p, "/v1/chat/completions", `{"model":"m","stream":true,"messages":[{"role":"user","content":"hello"}]}`)
	if events := sseEvents(t, body); len(events) != 7 || contains(body, `"usage"`) {
		t.Errorf("without include_usage:\n%s", body)
	}
}

func TestNChoices(t *testing.T) {
	sim := newSim(t, Options{Seed: 1})
	p := start(t, sim, "primary", WithTokens(5))
	client := sdk(t, p)
	params := userParams("hi")
	params.N = openai.Int(3)
	cc, err := client.Chat.Completions.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	if len(cc.Choices) != 3 || cc.Usage.CompletionTokens != 15 {
		t.Fatalf("%d choices, %d completion tokens", len(cc.Choices), cc.Usage.CompletionTokens)
	}
	if cc.Choices[0].Message.Content == cc.Choices[1].Message.Content {
		t.Error("choices 0 and 1 are the same text")
	}
	stream := client.Chat.Completions.NewStreaming(testContext(t), params)
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		if !acc.AddChunk(stream.Current()) {
			t.Fatal("accumulator refused a chunk")
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if acc.Choices[i].Message.Content != cc.Choices[i].Message.Content {
			t.Errorf("choice %d streamed %q, want %q", i, acc.Choices[i].Message.Content, cc.Choices[i].Message.Content)
		}
	}
}

func TestJSONResponseFormat(t *testing.T) {
	sim := newSim(t, Options{Seed: 1})
	p := start(t, sim, "primary")
	client := sdk(t, p)
	params := userParams("give me json")
	params.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &openai.ResponseFormatJSONObjectParam{}}
	cc, err := client.Chat.Completions.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	var obj struct{ Provider, Answer string }
	if err := json.Unmarshal([]byte(cc.Choices[0].Message.Content), &obj); err != nil || obj.Provider != "primary" || obj.Answer == "" {
		t.Errorf("json_object answer %q: %v", cc.Choices[0].Message.Content, err)
	}

	params.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &openai.ResponseFormatJSONSchemaParam{
		JSONSchema: openai.ResponseFormatJSONSchemaJSONSchemaParam{Name: "point", Schema: map[string]any{
			"type": "object", "properties": map[string]any{"x": map[string]any{"type": "number"}, "label": map[string]any{"type": "string"}},
		}},
	}}
	cc, err = client.Chat.Completions.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	var pt struct {
		X     *float64 `json:"x"`
		Label *string  `json:"label"`
	}
	if err := json.Unmarshal([]byte(cc.Choices[0].Message.Content), &pt); err != nil || pt.X == nil || pt.Label == nil {
		t.Errorf("json_schema answer %q: %v", cc.Choices[0].Message.Content, err)
	}
}

func TestAPIKeys(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithAPIKeys("sk-good"))
	client := sdk(t, p)
	_, err := client.Chat.Completions.New(testContext(t), userParams("hi"))
	if apiErr, ok := errors.AsType[*openai.Error](err); !ok || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Code != "invalid_api_key" {
		t.Errorf("wrong key: %v", err)
	}
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodGet, p.URL()+"/models", nil)
	req.Header.Set("Authorization", "Bearer sk-good")
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("good key: status %d", resp.StatusCode)
	}
}
