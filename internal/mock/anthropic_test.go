package mock

import (
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/openai/openai-go/v3"
)

// These tests use the official anthropic-sdk-go as the client: what it
// accepts, a real Anthropic client accepts.

func claude(t *testing.T, p *Provider, opts ...aoption.RequestOption) anthropic.Client {
	return anthropic.NewClient(append([]aoption.RequestOption{
		aoption.WithBaseURL(p.AnthropicURL()),
		aoption.WithAPIKey("test"),
		aoption.WithMaxRetries(0),
		aoption.WithHTTPClient(httpClient(t)),
	}, opts...)...)
}

func claudeParams(text string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 1024,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(text))},
	}
}

// accumulate reads a whole stream with the SDK's accumulator, and returns
// the message, the event types in order (the SDK drops ping) and the error
// the stream ended with.
func accumulate(t *testing.T, client anthropic.Client, params anthropic.MessageNewParams) (anthropic.Message, []string, error) {
	t.Helper()
	stream := client.Messages.NewStreaming(testContext(t), params)
	defer stream.Close()
	var acc anthropic.Message
	var types []string
	for stream.Next() {
		ev := stream.Current()
		types = append(types, ev.Type)
		if err := acc.Accumulate(ev); err != nil {
			t.Fatalf("accumulate %s: %v", ev.RawJSON(), err)
		}
	}
	return acc, types, stream.Err()
}

func TestAnthropicSDKMessage(t *testing.T) {
	sim := newSim(t, Options{Seed: 1})
	p := start(t, sim, "primary")
	client := claude(t, p)
	m, err := client.Messages.New(testContext(t), claudeParams("What is the weather like?"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.ID, "msg_") || m.Type != "message" || m.Role != "assistant" || m.Model != "claude-sonnet-4-5" {
		t.Errorf("envelope: id %q type %q role %q model %q", m.ID, m.Type, m.Role, m.Model)
	}
	if len(m.Content) != 1 || m.Content[0].Type != "text" {
		t.Fatalf("content %s", m.RawJSON())
	}
	text := m.Content[0].Text
	if !strings.HasPrefix(text, "[primary] ") || !strings.HasSuffix(text, ".") || len(strings.Fields(text)) != 20 {
		t.Errorf("text %q: want 20 words starting with [primary]", text)
	}
	// "What is the weather like?" is 25 characters: 25/4 = 6 tokens.
	if m.StopReason != anthropic.StopReasonEndTurn || m.StopSequence != "" || m.Usage.InputTokens != 6 || m.Usage.OutputTokens != 20 {
		t.Errorf("stop %q %q usage %s", m.StopReason, m.StopSequence, m.Usage.RawJSON())
	}
}

// The same conversation gets the same text, and the same token counts, in
// both dialects: a test can compare answers across a translating gateway.
func TestAnthropicAnswersLikeOpenAI(t *testing.T) {
	sim := newSim(t, Options{Seed: 3})
	p := start(t, sim, "primary")
	params := claudeParams("Tell me a story")
	params.System = []anthropic.TextBlockParam{{Text: "You are "}, {Text: "terse."}}
	client, oai := claude(t, p), sdk(t, p)
	m, err := client.Messages.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := oai.Chat.Completions.New(testContext(t), openai.ChatCompletionNewParams{
		Model: "gpt-4o",
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You are terse."), openai.UserMessage("Tell me a story"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Content[0].Text, cc.Choices[0].Message.Content; got != want {
		t.Errorf("Anthropic text %q\nOpenAI text    %q", got, want)
	}
	if m.Usage.InputTokens != cc.Usage.PromptTokens || m.Usage.OutputTokens != cc.Usage.CompletionTokens {
		t.Errorf("usage %s, OpenAI %+v", m.Usage.RawJSON(), cc.Usage)
	}
}

func TestAnthropicSDKStreamMatchesMessage(t *testing.T) {
	sim := newSim(t, Options{Seed: 7})
	p := start(t, sim, "primary")
	client := claude(t, p)
	params := claudeParams("Tell me a story")
	m, err := client.Messages.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	acc, types, err := accumulate(t, client, params)
	if err != nil {
		t.Fatal(err)
	}
	want := "message_start content_block_start" + strings.Repeat(" content_block_delta", 20) + " content_block_stop message_delta message_stop"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("events %s\nwant   %s", got, want)
	}
	if len(acc.Content) != 1 || acc.Content[0].Text != m.Content[0].Text {
		t.Errorf("streamed content %+v\nwant the non-streamed text %q", acc.Content, m.Content[0].Text)
	}
	if acc.StopReason != anthropic.StopReasonEndTurn || acc.Usage.OutputTokens != 20 || acc.Usage.InputTokens != m.Usage.InputTokens {
		t.Errorf("stop %q usage %+v, non-streamed %s", acc.StopReason, acc.Usage, m.Usage.RawJSON())
	}
	if !strings.HasPrefix(acc.ID, "msg_") || acc.Model != "claude-sonnet-4-5" {
		t.Errorf("id %q model %q", acc.ID, acc.Model)
	}
}

func TestAnthropicMaxTokensCapsTheAnswer(t *testing.T) {
	sim := newSim(t, Options{Seed: 1})
	p := start(t, sim, "primary", WithTokens(30))
	client := claude(t, p)
	for _, tc := range []struct {
		max   int64
		words int
		stop  anthropic.StopReason
	}{{5, 5, anthropic.StopReasonMaxTokens}, {30, 30, anthropic.StopReasonEndTurn}} {
		params := claudeParams("hello")
		params.MaxTokens = tc.max
		m, err := client.Messages.New(testContext(t), params)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(strings.Fields(m.Content[0].Text)); n != tc.words || m.StopReason != tc.stop || m.Usage.OutputTokens != int64(tc.words) {
			t.Errorf("max_tokens %d: %d words, stop %q, usage %d", tc.max, n, m.StopReason, m.Usage.OutputTokens)
		}
	}
}

// claudeWeatherTool is weatherTool in the Anthropic dialect.
func claudeWeatherTool() anthropic.ToolUnionParam {
	schema := weatherTool().OfFunction.Function.Parameters
	return anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{
		Name:        "get_weather",
		Description: anthropic.String("Current weather"),
		InputSchema: anthropic.ToolInputSchemaParam{Properties: schema["properties"], Required: schema["required"].([]string)},
	}}
}

func TestAnthropicToolRoundTrip(t *testing.T) {
	sim := newSim(t, Options{Seed: 5})
	p := start(t, sim, "primary")
	client := claude(t, p)
	params := claudeParams("Weather in Paris?")
	params.Tools = []anthropic.ToolUnionParam{claudeWeatherTool()}

	m, err := client.Messages.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	if m.StopReason != anthropic.StopReasonToolUse || len(m.Content) != 1 || m.Content[0].Type != "tool_use" {
		t.Fatalf("want one tool_use block, got %s", m.RawJSON())
	}
	call := m.Content[0].AsToolUse()
	checkWeatherArgs(t, string(call.Input))
	if !strings.HasPrefix(call.ID, "toolu_") || call.Name != "get_weather" {
		t.Errorf("id %q name %q", call.ID, call.Name)
	}

	// Streamed, the same call arrives in input_json_delta fragments.
	acc, _, err := accumulate(t, client, params)
	if err != nil {
		t.Fatal(err)
	}
	if len(acc.Content) != 1 || string(acc.Content[0].Input) != string(call.Input) || acc.Content[0].ID != call.ID || acc.StopReason != anthropic.StopReasonToolUse {
		t.Errorf("streamed %+v, want the non-streamed call %s", acc.Content, call.Input)
	}

	// The OpenAI side calls the tool with the same arguments.
	oai := sdk(t, p)
	cc, err := oai.Chat.Completions.New(testContext(t), openai.ChatCompletionNewParams{
		Model:    "gpt-4o",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Paris?")},
		Tools:    []openai.ChatCompletionToolUnionParam{weatherTool()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := cc.Choices[0].Message.ToolCalls; len(got) != 1 || got[0].Function.Arguments != string(call.Input) {
		t.Errorf("OpenAI tool calls %+v, want arguments %s", got, call.Input)
	}

	params.Messages = append(params.Messages, m.ToParam(),
		anthropic.NewUserMessage(anthropic.NewToolResultBlock(call.ID, "18 degrees and sunny", false)))
	final, err := client.Messages.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	want := "[primary] The tool get_weather returned: 18 degrees and sunny."
	if final.StopReason != anthropic.StopReasonEndTurn || len(final.Content) != 1 || final.Content[0].Text != want {
		t.Errorf("after the tool result: %s\nwant text %q", final.RawJSON(), want)
	}
}

func TestAnthropicCountTokens(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	client := claude(t, p)
	params := claudeParams("How many tokens is this sentence, roughly?")
	params.System = []anthropic.TextBlockParam{{Text: "Count carefully."}}
	m, err := client.Messages.New(testContext(t), params)
	if err != nil {
		t.Fatal(err)
	}
	n, err := client.Messages.CountTokens(testContext(t), anthropic.MessageCountTokensParams{
		Model:    params.Model,
		Messages: params.Messages,
		System:   anthropic.MessageCountTokensParamsSystemUnion{OfTextBlockArray: params.System},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n.InputTokens != m.Usage.InputTokens || n.InputTokens != (42+16)/4 {
		t.Errorf("count_tokens %d, message input_tokens %d, want %d", n.InputTokens, m.Usage.InputTokens, (42+16)/4)
	}
}

func TestAnthropicRecordsRequests(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	params := claudeParams("hi")
	if _, _, err := accumulate(t, claude(t, p, aoption.WithHeader("anthropic-beta", "claude-code-20250219")), params); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	if st.ByPath["/v1/messages"] != 1 || st.ByStatus[200] != 1 || len(st.Recent) != 1 {
		t.Fatalf("stats %+v", st)
	}
	r := st.Recent[0]
	if r.Method != http.MethodPost || r.Path != "/v1/messages" || r.Model != "claude-sonnet-4-5" || !r.Stream || r.Status != 200 {
		t.Errorf("recorded %+v", r)
	}
	if r.Header.Get("Anthropic-Version") != "2023-06-01" || r.Header.Get("X-Api-Key") != "test" || r.Header.Get("Anthropic-Beta") != "claude-code-20250219" {
		t.Errorf("headers %v", r.Header)
	}
	if !contains(r.Body, `"max_tokens":1024`) {
		t.Errorf("body %s", r.Body)
	}
}
