package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// TestSDKsOnAnAzureTarget drives route "azure", whose only target is on an
// azure provider, with both official SDKs, streamed and not, through a
// tool-call round trip: the simulator must see Azure's deployment path,
// api-version and api-key on every call, and each SDK its own dialect.
func TestSDKsOnAnAzureTarget(t *testing.T) {
	e := newE2E(t)
	for _, stream := range []bool{false, true} {
		name := map[bool]string{false: "non-stream", true: "stream"}[stream]
		t.Run("openai/"+name, func(t *testing.T) { azureOpenAIRoundTrip(t, e, stream) })
		t.Run("anthropic/"+name, func(t *testing.T) { azureAnthropicRoundTrip(t, e, stream) })
	}
	// A stream's status is recorded when its handler returns, which can
	// be just after the client read the last event.
	if err := e.z.WaitIdle(e.ctx()); err != nil {
		t.Fatal(err)
	}
	for _, rec := range e.z.Stats().Recent {
		if rec.Path != "/openai/deployments/gpt-4o-deployment/chat/completions" || !strings.HasPrefix(rec.Query, "api-version=") ||
			rec.Header.Get("Api-Key") != "test-key-z" || rec.Header.Get("Authorization") != "" || rec.Status != 200 {
			t.Fatalf("azure saw %s ?%s key %q auth %q -> %d", rec.Path, rec.Query, rec.Header.Get("Api-Key"), rec.Header.Get("Authorization"), rec.Status)
		}
	}
	if n := len(e.z.Stats().Recent); n != 8 {
		t.Fatalf("azure saw %d requests, want 8 (two turns, four ways)", n)
	}
	// Embeddings go to the deployment's /embeddings.
	emb, err := e.client.Embeddings.New(e.ctx(), openai.EmbeddingNewParams{
		Model: "azure", Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("hello")},
	})
	if err != nil || len(emb.Data) != 1 || len(emb.Data[0].Embedding) == 0 {
		t.Fatalf("embeddings: %v", err)
	}
	if rec := e.z.Stats().Recent[8]; rec.Path != "/openai/deployments/gpt-4o-deployment/embeddings" || !strings.HasPrefix(rec.Query, "api-version=") {
		t.Fatalf("azure embeddings went to %s?%s", rec.Path, rec.Query)
	}
}

var weatherSchema = map[string]any{
	"type":       "object",
	"properties": map[string]any{"city": map[string]any{"type": "string"}},
	"required":   []string{"city"},
}

func azureOpenAIRoundTrip(t *testing.T, e *e2e, stream bool) {
	params := openai.ChatCompletionNewParams{
		Model:    "azure",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("What's the weather in Paris?")},
		Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
			Name: "get_weather", Parameters: openai.FunctionParameters(weatherSchema),
		})},
	}
	turn := func() (openai.ChatCompletionMessage, string, *http.Response) {
		var resp *http.Response
		if stream {
			acc := streamed(t, e.client.Chat.Completions.NewStreaming(e.ctx(), params, option.WithResponseInto(&resp)))
			return acc.Choices[0].Message, acc.Choices[0].FinishReason, resp
		}
		got, err := e.client.Chat.Completions.New(e.ctx(), params, option.WithResponseInto(&resp))
		if err != nil {
			t.Fatal(err)
		}
		return got.Choices[0].Message, got.Choices[0].FinishReason, resp
	}
	msg, finish, resp := turn()
	if resp.Header.Get("X-Backstop-Target") != "tz" {
		t.Fatalf("served by %q", resp.Header.Get("X-Backstop-Target"))
	}
	if len(msg.ToolCalls) != 1 || msg.ToolCalls[0].Function.Name != "get_weather" || finish != "tool_calls" {
		t.Fatalf("tool calls %+v finish %q", msg.ToolCalls, finish)
	}
	var args map[string]any
	if err := json.Unmarshal([]byte(msg.ToolCalls[0].Function.Arguments), &args); err != nil || args["city"] == nil {
		t.Fatalf("arguments %q: %v", msg.ToolCalls[0].Function.Arguments, err)
	}
	params.Messages = append(params.Messages, msg.ToParam(), openai.ToolMessage(`{"temp_c":18}`, msg.ToolCalls[0].ID))
	msg, finish, _ = turn()
	if !strings.HasPrefix(msg.Content, "[z]") || finish != "stop" || len(msg.ToolCalls) != 0 {
		t.Fatalf("second turn %+v finish %q", msg, finish)
	}
}

func azureAnthropicRoundTrip(t *testing.T, e *e2e, stream bool) {
	c := e.anthropicClient()
	params := claudeParams("azure", "What's the weather in Paris?")
	params.Tools = []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
		Name: "get_weather", InputSchema: anthropic.ToolInputSchemaParam{Properties: weatherSchema["properties"], Required: []string{"city"}},
	}}}
	turn := func() *anthropic.Message {
		if !stream {
			msg, err := c.Messages.New(e.ctx(), params)
			if err != nil {
				t.Fatal(err)
			}
			return msg
		}
		s := c.Messages.NewStreaming(e.ctx(), params)
		var acc anthropic.Message
		for s.Next() {
			if err := acc.Accumulate(s.Current()); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		return &acc
	}
	msg := turn()
	var use *anthropic.ToolUseBlock
	for _, b := range msg.Content {
		if b.Type == "tool_use" {
			u := b.AsToolUse()
			use = &u
		}
	}
	if use == nil || use.Name != "get_weather" || msg.StopReason != "tool_use" {
		t.Fatalf("first turn %+v", msg)
	}
	var args map[string]any
	if err := json.Unmarshal(use.Input, &args); err != nil || args["city"] == nil {
		t.Fatalf("input %s: %v", use.Input, err)
	}
	params.Messages = append(params.Messages, msg.ToParam(),
		anthropic.NewUserMessage(anthropic.NewToolResultBlock(use.ID, `{"temp_c":18}`, false)))
	msg = turn()
	if !strings.HasPrefix(messageText(msg), "[z]") || msg.StopReason != "end_turn" {
		t.Fatalf("second turn %q stop %q", messageText(msg), msg.StopReason)
	}
}
