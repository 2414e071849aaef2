package mock

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// These tests call the simulator's Bedrock paths with aws-sdk-go-v2's
// bedrockruntime client, the official SDK: what it accepts, Bedrock's
// clients accept.

const (
	novaModel   = "amazon.nova-pro-v1:0"
	claudeModel = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
)

func bedrockClient(t *testing.T, p *Provider, region string) *bedrockruntime.Client {
	return bedrockruntime.New(bedrockruntime.Options{
		Region:       region,
		BaseEndpoint: aws.String(p.BedrockURL()),
		Credentials:  credentials.NewStaticCredentialsProvider("test-access-key", "test-secret-key", ""),
		HTTPClient:   httpClient(t),
		Retryer:      aws.NopRetryer{},
	})
}

func userText(text string) types.Message {
	return types.Message{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: text}}}
}

func bedrockWeatherTool() *types.ToolConfiguration {
	schema := document.NewLazyDocument(map[string]any{
		"type":       "object",
		"properties": map[string]any{"city": map[string]any{"type": "string"}},
		"required":   []string{"city"},
	})
	return &types.ToolConfiguration{Tools: []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{
		Name: aws.String("get_weather"), InputSchema: &types.ToolInputSchemaMemberJson{Value: schema},
	}}}}
}

func converseText(out *bedrockruntime.ConverseOutput) string {
	msg := out.Output.(*types.ConverseOutputMemberMessage).Value
	var b strings.Builder
	for _, c := range msg.Content {
		if t, ok := c.(*types.ContentBlockMemberText); ok {
			b.WriteString(t.Value)
		}
	}
	return b.String()
}

func TestBedrockConverseWithTheSDK(t *testing.T) {
	sim := newSim(t, Options{Seed: 3})
	p := start(t, sim, "east", WithBedrockRegion("us-east-1"))
	c := bedrockClient(t, p, "us-east-1")
	out, err := c.Converse(testContext(t), &bedrockruntime.ConverseInput{
		ModelId:  aws.String(novaModel),
		Messages: []types.Message{userText("hello")},
		System:   []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "be brief"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	text := converseText(out)
	if !strings.HasPrefix(text, "[east]") || out.StopReason != types.StopReasonEndTurn || *out.Usage.OutputTokens == 0 || *out.Usage.InputTokens == 0 {
		t.Fatalf("text %q stop %s usage %+v", text, out.StopReason, out.Usage)
	}
	rec := p.Stats().Recent[0]
	if rec.Model != novaModel || rec.Path != "/model/"+novaModel+"/converse" ||
		!strings.Contains(rec.Header.Get("Authorization"), "/us-east-1/bedrock/aws4_request") {
		t.Fatalf("recorded %s model %q auth %q", rec.Path, rec.Model, rec.Header.Get("Authorization"))
	}

	// The stream says the same.
	stream, err := c.ConverseStream(testContext(t), &bedrockruntime.ConverseStreamInput{
		ModelId:  aws.String(novaModel),
		Messages: []types.Message{userText("hello")},
		System:   []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "be brief"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var streamed strings.Builder
	var stop types.StopReason
	var usage *types.TokenUsage
	for ev := range stream.GetStream().Events() {
		switch v := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			streamed.WriteString(v.Value.Delta.(*types.ContentBlockDeltaMemberText).Value)
		case *types.ConverseStreamOutputMemberMessageStop:
			stop = v.Value.StopReason
		case *types.ConverseStreamOutputMemberMetadata:
			usage = v.Value.Usage
		}
	}
	if err := stream.GetStream().Err(); err != nil {
		t.Fatal(err)
	}
	if streamed.String() != text || stop != types.StopReasonEndTurn || usage == nil || *usage.OutputTokens == 0 {
		t.Fatalf("streamed %q stop %s usage %+v; want %q", streamed.String(), stop, usage, text)
	}
}

func TestBedrockConverseToolRoundTripWithTheSDK(t *testing.T) {
	sim := newSim(t, Options{Seed: 3})
	p := start(t, sim, "east")
	c := bedrockClient(t, p, "us-east-1")
	ctx := testContext(t)
	in := &bedrockruntime.ConverseStreamInput{ModelId: aws.String(novaModel), Messages: []types.Message{userText("weather in Paris?")}, ToolConfig: bedrockWeatherTool()}
	stream, err := c.ConverseStream(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var id, name, args string
	var stop types.StopReason
	for ev := range stream.GetStream().Events() {
		switch v := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockStart:
			tu := v.Value.Start.(*types.ContentBlockStartMemberToolUse).Value
			id, name = *tu.ToolUseId, *tu.Name
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			args += *v.Value.Delta.(*types.ContentBlockDeltaMemberToolUse).Value.Input
		case *types.ConverseStreamOutputMemberMessageStop:
			stop = v.Value.StopReason
		}
	}
	if err := stream.GetStream().Err(); err != nil {
		t.Fatal(err)
	}
	var input map[string]any
	if name != "get_weather" || !strings.HasPrefix(id, "tooluse_") || stop != types.StopReasonToolUse || json.Unmarshal([]byte(args), &input) != nil || input["city"] == nil {
		t.Fatalf("tool call %s %s %q stop %s", id, name, args, stop)
	}
	// Answer the call: the model reads the result.
	out, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(novaModel), ToolConfig: bedrockWeatherTool(), Messages: []types.Message{
		userText("weather in Paris?"),
		{Role: types.ConversationRoleAssistant, Content: []types.ContentBlock{&types.ContentBlockMemberToolUse{Value: types.ToolUseBlock{
			ToolUseId: aws.String(id), Name: aws.String(name), Input: document.NewLazyDocument(input)}}}},
		{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{
			ToolUseId: aws.String(id), Content: []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: "sunny and 21 degrees"}}}}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if text := converseText(out); !strings.Contains(text, "get_weather returned: sunny and 21 degrees") || out.StopReason != types.StopReasonEndTurn {
		t.Fatalf("after the tool: %q %s", text, out.StopReason)
	}
	// Without toolConfig, a history with tool blocks is refused, as Bedrock does.
	_, err = c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(novaModel), Messages: []types.Message{
		userText("weather in Paris?"),
		{Role: types.ConversationRoleAssistant, Content: []types.ContentBlock{&types.ContentBlockMemberToolUse{Value: types.ToolUseBlock{
			ToolUseId: aws.String(id), Name: aws.String(name), Input: document.NewLazyDocument(input)}}}},
		{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{
			ToolUseId: aws.String(id), Content: []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: "sunny"}}}}}},
	}})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "toolConfig") {
		t.Fatalf("no toolConfig: %v", err)
	}
}

// anthropicBody is an InvokeModel body for an Anthropic model.
func anthropicBody(extra string) []byte {
	return []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":"hello"}]` + extra + `}`)
}

func TestBedrockInvokeWithTheSDK(t *testing.T) {
	sim := newSim(t, Options{Seed: 3})
	p := start(t, sim, "west", WithBedrockRegion("us-west-2"))
	c := bedrockClient(t, p, "us-west-2")
	ctx := testContext(t)
	out, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(claudeModel), Body: anthropicBody(""), ContentType: aws.String("application/json")})
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Type    string `json:"type"`
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
		StopReason string `json:"stop_reason"`
	}
	if err := json.Unmarshal(out.Body, &msg); err != nil || msg.Type != "message" || !strings.HasPrefix(msg.Content[0].Text, "[west]") || msg.StopReason != "end_turn" {
		t.Fatalf("body %s: %v", out.Body, err)
	}
	rec := p.Stats().Recent[0]
	if rec.Model != claudeModel || !strings.HasSuffix(rec.Path, "/invoke") {
		t.Fatalf("recorded %s %q", rec.Path, rec.Model)
	}

	stream, err := c.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{ModelId: aws.String(claudeModel), Body: anthropicBody(""), ContentType: aws.String("application/json")})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	var types_ []string
	for ev := range stream.GetStream().Events() {
		chunk := ev.(*types.ResponseStreamMemberChunk).Value.Bytes
		var e struct {
			Type  string `json:"type"`
			Delta struct {
				Text string `json:"text"`
			} `json:"delta"`
		}
		if err := json.Unmarshal(chunk, &e); err != nil {
			t.Fatalf("chunk %q: %v", chunk, err)
		}
		types_ = append(types_, e.Type)
		if e.Type == "content_block_delta" {
			text.WriteString(e.Delta.Text)
		}
	}
	if err := stream.GetStream().Err(); err != nil {
		t.Fatal(err)
	}
	if text.String() != msg.Content[0].Text || types_[0] != "message_start" || types_[len(types_)-1] != "message_stop" {
		t.Fatalf("streamed %q (%v), want %q", text.String(), types_, msg.Content[0].Text)
	}

	// Bedrock refuses what it does not take in an Invoke body.
	for _, body := range [][]byte{anthropicBody(`,"model":"claude"`), anthropicBody(`,"stream":true`), []byte(`{"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`)} {
		_, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(claudeModel), Body: body})
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Errorf("%s: %v", body, err)
		}
	}
}

func TestBedrockErrorsWithTheSDK(t *testing.T) {
	sim := newSim(t, Options{Seed: 3})
	p := start(t, sim, "east", WithBedrockRegion("us-east-1"))
	ctx := testContext(t)
	c := bedrockClient(t, p, "us-east-1")
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(novaModel), Messages: []types.Message{userText("hello")}}

	if err := p.SetFault(Fault{Status: 429, RetryAfter: Duration(2e9)}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Converse(ctx, in)
	var throttled *types.ThrottlingException
	if !errors.As(err, &throttled) || !strings.Contains(throttled.ErrorMessage(), "Too many requests") {
		t.Fatalf("429: %v", err)
	}
	if err := p.SetFault(Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	var unavailable *types.ServiceUnavailableException
	if _, err = c.Converse(ctx, in); !errors.As(err, &unavailable) {
		t.Fatalf("503: %v", err)
	}
	if err := p.SetFault(Fault{Status: 429, Exception: "ModelNotReadyException"}); err != nil {
		t.Fatal(err)
	}
	var notReady *types.ModelNotReadyException
	if _, err = c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(claudeModel), Body: anthropicBody("")}); !errors.As(err, &notReady) {
		t.Fatalf("429 ModelNotReadyException: %v", err)
	}
	if err := p.ClearFault(); err != nil {
		t.Fatal(err)
	}
	// Signed for another region: refused.
	west := bedrockClient(t, p, "us-west-2")
	if _, err = west.Converse(ctx, in); err == nil || !strings.Contains(err.Error(), "InvalidSignatureException") {
		t.Fatalf("wrong region: %v", err)
	}
	// Not signed at all: refused.
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.BedrockURL()+"/model/"+novaModel+"/converse", strings.NewReader(`{}`))
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.HasPrefix(resp.Header.Get("X-Amzn-Errortype"), "UnrecognizedClientException") {
		t.Fatalf("unsigned: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestBedrockExceptionInsideTheStream: an exception after the 200 reaches
// the SDK's stream as its error, after the content sent before it.
func TestBedrockExceptionInsideTheStream(t *testing.T) {
	sim := newSim(t, Options{Seed: 3})
	p := start(t, sim, "east")
	c := bedrockClient(t, p, "us-east-1")
	ctx := testContext(t)
	if err := p.SetFault(Fault{OverloadedAfterChunks: 2, Exception: "ThrottlingException"}); err != nil {
		t.Fatal(err)
	}
	stream, err := c.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: aws.String(novaModel), Messages: []types.Message{userText("hello")}})
	if err != nil {
		t.Fatal(err)
	}
	deltas := 0
	for ev := range stream.GetStream().Events() {
		if _, ok := ev.(*types.ConverseStreamOutputMemberContentBlockDelta); ok {
			deltas++
		}
	}
	var throttled *types.ThrottlingException
	if err := stream.GetStream().Err(); deltas != 2 || !errors.As(err, &throttled) {
		t.Fatalf("%d deltas, err %v", deltas, err)
	}

	if err := p.SetFault(Fault{OverloadedAfterChunks: AfterRoleChunk}); err != nil {
		t.Fatal(err)
	}
	is, err := c.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{ModelId: aws.String(claudeModel), Body: anthropicBody("")})
	if err != nil {
		t.Fatal(err)
	}
	for range is.GetStream().Events() {
	}
	var unavailable *types.ServiceUnavailableException
	if err := is.GetStream().Err(); !errors.As(err, &unavailable) {
		t.Fatalf("invoke stream: %v", err)
	}
}

// FuzzParseConverseRequest checks that no body makes Converse validation
// panic, that errors are ValidationExceptions with a message, and that a
// body it accepts can be answered.
func FuzzParseConverseRequest(f *testing.F) {
	for _, s := range []string{
		`{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`,
		`{"system":[{"text":"s"}],"messages":[{"role":"user","content":[{"image":{"format":"png","source":{"bytes":""}}}]}],"inferenceConfig":{"maxTokens":3}}`,
		`{"messages":[{"role":"user","content":[{"text":"w"}]},{"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"f","input":{"a":1}}}]},` +
			`{"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"json":{"x":2}}]}}]}],` +
			`"toolConfig":{"tools":[{"toolSpec":{"name":"f","inputSchema":{"json":{"type":"object"}}}}],"toolChoice":{"tool":{"name":"f"}}}}`,
		`{}`, `[]`, `null`, `{"messages":[{"role":"assistant","content":[{"text":"x"}]}]}`,
	} {
		f.Add([]byte(s))
	}
	c := content{seed: 1, name: "fuzz", tokens: 5, prefix: true}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, e := parseConverseRequest(body)
		if (req == nil) == (e == nil) {
			t.Fatalf("request %v and error %v", req, e)
		}
		if e != nil {
			if e.status != 400 || e.exception != "ValidationException" || e.message == "" {
				t.Fatalf("error %+v", e)
			}
			return
		}
		if len(req.Messages) == 0 {
			t.Fatalf("accepted a request with no conversation: %s", body)
		}
		if len(req.Messages) < 64 {
			_ = c.answer(req, 0)
		}
	})
}
