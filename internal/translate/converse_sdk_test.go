package translate

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// The tests here put the official client, aws-sdk-go-v2's bedrockruntime,
// on the other side of the codec: what it sends must read back
// faithfully, and what the codec writes (answers, errors, streams framed
// as event-stream messages) must be what it parses.

// bedrockServer answers every request with status and body (or, for
// converse-stream, the SSE stream framed as event-stream messages), and
// keeps the last request body.
type bedrockServer struct {
	status int
	body   []byte
	stream []byte
	got    []byte
}

func (s *bedrockServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.got, _ = io.ReadAll(r.Body)
	if strings.HasSuffix(r.URL.Path, "/converse-stream") {
		w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
		enc := eventstream.NewEncoder()
		for _, ev := range parseSSE(s.stream) {
			var msg eventstream.Message
			if isException(ev.name) {
				msg.Headers.Set(":message-type", eventstream.StringValue("exception"))
				msg.Headers.Set(":exception-type", eventstream.StringValue(ev.name))
			} else {
				msg.Headers.Set(":message-type", eventstream.StringValue("event"))
				msg.Headers.Set(":event-type", eventstream.StringValue(ev.name))
			}
			msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
			msg.Payload = []byte(ev.data)
			if err := enc.Encode(w, msg); err != nil {
				return
			}
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(s.status)
	_, _ = w.Write(s.body)
}

func bedrockClient(t *testing.T, s *bedrockServer) *bedrockruntime.Client {
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return bedrockruntime.New(bedrockruntime.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test-key", SecretAccessKey: "test-secret"}, nil
		}),
	})
}

func readTestdata(t *testing.T, parts ...string) []byte {
	b, err := os.ReadFile(filepath.Join(append([]string{"testdata"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConverseSDKRequest: a request as the SDK serialises it reads into
// the canonical model, and writing that model gives the same JSON back.
func TestConverseSDKRequest(t *testing.T) {
	s := &bedrockServer{status: 200, body: readTestdata(t, "converse_plain", "converse_response.json")}
	client := bedrockClient(t, s)
	schema := `{"type":"object","properties":{"name":{"type":"string"}}}`
	_, err := client.Converse(context.Background(), &bedrockruntime.ConverseInput{
		ModelId: aws.String("anthropic.claude-test-v1:0"),
		System:  []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "Be brief."}},
		Messages: []types.Message{
			{Role: types.ConversationRoleUser, Content: []types.ContentBlock{
				&types.ContentBlockMemberText{Value: "Weather?"},
				&types.ContentBlockMemberImage{Value: types.ImageBlock{Format: types.ImageFormatPng, Source: &types.ImageSourceMemberBytes{Value: []byte("\x89PNG")}}},
				&types.ContentBlockMemberDocument{Value: types.DocumentBlock{Format: types.DocumentFormatPdf, Name: aws.String("spec"), Source: &types.DocumentSourceMemberBytes{Value: []byte("%PDF-1.4")}}},
			}},
			{Role: types.ConversationRoleAssistant, Content: []types.ContentBlock{
				&types.ContentBlockMemberReasoningContent{Value: &types.ReasoningContentBlockMemberReasoningText{Value: types.ReasoningTextBlock{Text: aws.String("hm"), Signature: aws.String("sig")}}},
				&types.ContentBlockMemberToolUse{Value: types.ToolUseBlock{ToolUseId: aws.String("t1"), Name: aws.String("w"), Input: document.NewLazyDocument(map[string]any{"city": "Oslo"})}},
			}},
			{Role: types.ConversationRoleUser, Content: []types.ContentBlock{
				&types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{ToolUseId: aws.String("t1"), Status: types.ToolResultStatusError,
					Content: []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: "offline"}}}},
			}},
		},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(99), Temperature: aws.Float32(0.5), TopP: aws.Float32(0.25), StopSequences: []string{"END"}},
		ToolConfig: &types.ToolConfiguration{
			Tools:      []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{Name: aws.String("w"), Description: aws.String("weather"), InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(map[string]any{"type": "object"})}}}},
			ToolChoice: &types.ToolChoiceMemberTool{Value: types.SpecificToolChoice{Name: aws.String("w")}},
		},
		AdditionalModelRequestFields: document.NewLazyDocument(map[string]any{"top_k": 5}),
		OutputConfig: &types.OutputConfig{TextFormat: &types.OutputFormat{Type: types.OutputFormatTypeJsonSchema,
			Structure: &types.OutputFormatStructureMemberJsonSchema{Value: types.JsonSchemaDefinition{Schema: aws.String(schema), Name: aws.String("person")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	req, err := decodeConverseRequest(s.got)
	if err != nil {
		t.Fatalf("the SDK's request: %v\n%s", err, s.got)
	}
	again, err := encodeConverseRequest(req, "")
	if err != nil || !jsonEqual(s.got, again) {
		t.Errorf("the SDK sent\n%s\nthe codec writes it back as\n%s (%v)", s.got, again, err)
	}
	if req.JSON == nil || req.JSON.Name != "person" || req.ToolChoice.Name != "w" || *req.TopK != 5 || req.Messages[0].Parts[1].Media.MediaType != "image/png" {
		t.Errorf("read %+v", req)
	}
}

// TestConverseSDKResponse: the SDK parses an answer translated from
// Anthropic: text, tool calls with their ids, stop reason and usage.
func TestConverseSDKResponse(t *testing.T) {
	body, err := ConvertResponse(Anthropic, Converse, readTestdata(t, "tools", "anthropic_response.json"))
	if err != nil {
		t.Fatal(err)
	}
	client := bedrockClient(t, &bedrockServer{status: 200, body: body})
	out, err := client.Converse(context.Background(), &bedrockruntime.ConverseInput{ModelId: aws.String("m"),
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}}})
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
	if !ok {
		t.Fatalf("output %T", out.Output)
	}
	var text string
	var calls []string
	for _, b := range msg.Value.Content {
		switch b := b.(type) {
		case *types.ContentBlockMemberText:
			text += b.Value
		case *types.ContentBlockMemberToolUse:
			var input map[string]any
			if err := b.Value.Input.UnmarshalSmithyDocument(&input); err != nil {
				t.Fatal(err)
			}
			in, _ := json.Marshal(input)
			calls = append(calls, *b.Value.ToolUseId+" "+*b.Value.Name+" "+string(in))
		}
	}
	if text != "Let me look." || strings.Join(calls, ";") != `toolu_A get_weather {"city":"Paris"};toolu_B get_time {"tz":"Europe/Paris"}` {
		t.Errorf("text %q, calls %v", text, calls)
	}
	if out.StopReason != types.StopReasonToolUse || out.Usage == nil || *out.Usage.InputTokens == 0 || *out.Usage.TotalTokens != *out.Usage.InputTokens+*out.Usage.OutputTokens {
		t.Errorf("stop %s, usage %+v", out.StopReason, out.Usage)
	}
}

// TestConverseSDKStream: the SDK reads streams translated from Anthropic
// and OpenAI, framed as event-stream messages the way Bedrock sends them,
// and raises an exception event as the typed error.
func TestConverseSDKStream(t *testing.T) {
	for _, tc := range []struct {
		from             Dialect
		file             string
		text, calls, err string
	}{
		{Anthropic, "tools/anthropic_stream.sse", "Let me look.", `toolu_A get_weather {"city":"Paris"};toolu_B get_time {"tz":"Europe/Paris"}`, ""},
		{OpenAI, "tools/openai_stream.sse", "", `call_A get_weather {"city":"Paris"};call_B get_time {"tz":"Europe/Paris"}`, ""},
		{Anthropic, "stream_error/anthropic_stream.sse", "", "", "ServiceUnavailableException"},
	} {
		stream, _ := runStream(mustStream(tc.from, Converse, false), readTestdata(t, strings.Split(tc.file, "/")...))
		client := bedrockClient(t, &bedrockServer{stream: stream})
		out, err := client.ConverseStream(context.Background(), &bedrockruntime.ConverseStreamInput{ModelId: aws.String("m"),
			Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}}})
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		es := out.GetStream()
		var text string
		var calls []string
		var args []string
		var stop types.StopReason
		var usage *types.TokenUsage
		for ev := range es.Events() {
			switch ev := ev.(type) {
			case *types.ConverseStreamOutputMemberContentBlockStart:
				if tu, ok := ev.Value.Start.(*types.ContentBlockStartMemberToolUse); ok {
					calls = append(calls, *tu.Value.ToolUseId+" "+*tu.Value.Name)
					args = append(args, "")
				}
			case *types.ConverseStreamOutputMemberContentBlockDelta:
				switch d := ev.Value.Delta.(type) {
				case *types.ContentBlockDeltaMemberText:
					text += d.Value
				case *types.ContentBlockDeltaMemberToolUse:
					if len(args) == 0 || d.Value.Input == nil {
						t.Fatalf("%s: toolUse delta outside a toolUse block", tc.file)
					}
					args[len(args)-1] += *d.Value.Input
				}
			case *types.ConverseStreamOutputMemberMessageStop:
				stop = ev.Value.StopReason
			case *types.ConverseStreamOutputMemberMetadata:
				usage = ev.Value.Usage
			}
		}
		_ = es.Close()
		for i := range calls {
			calls[i] += " " + args[i]
		}
		if tc.err != "" {
			if err := es.Err(); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: stream error %v, want %s", tc.file, err, tc.err)
			}
			continue
		}
		if err := es.Err(); err != nil || text != tc.text || strings.Join(calls, ";") != tc.calls || stop != types.StopReasonToolUse || usage == nil || *usage.OutputTokens == 0 {
			t.Errorf("%s: err %v, text %q, calls %v, stop %s, usage %+v\n%s", tc.file, err, text, calls, stop, usage, stream)
		}
	}
}
