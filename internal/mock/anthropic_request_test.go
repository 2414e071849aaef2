package mock

import (
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
)

func TestAnthropicRefusesBadRequests(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	hc := httpClient(t)
	const tail = `"model":"m","max_tokens":100`
	const useTurn = `{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{}}]}`
	for _, tc := range []struct{ name, body, msg string }{
		{"not JSON", `{"model":`, "error parsing the body"},
		{"not an object", `[1]`, "must be a JSON object"},
		{"no model", `{"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`, "model: Field required"},
		{"empty model", `{"model":"","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`, "at least 1 character"},
		{"no max_tokens", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, "max_tokens: Field required"},
		{"zero max_tokens", `{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}`, "max_tokens: Input should be greater than or equal to 1"},
		{"fractional max_tokens", `{"model":"m","max_tokens":10.5,"messages":[{"role":"user","content":"hi"}]}`, "max_tokens: Input should be a valid integer"},
		{"no messages", `{` + tail + `}`, "messages: Field required"},
		{"empty messages", `{` + tail + `,"messages":[]}`, "messages: at least one message is required"},
		{"bad role", `{` + tail + `,"messages":[{"role":"tool","content":"x"}]}`, "messages.0.role: Input should be 'user' or 'assistant'"},
		{"empty content", `{` + tail + `,"messages":[{"role":"user","content":""},{"role":"assistant","content":"a"},{"role":"user","content":"b"}]}`,
			"messages.0: all messages must have non-empty content except for the optional final assistant message"},
		{"empty text block", `{` + tail + `,"messages":[{"role":"user","content":[{"type":"text","text":""}]}]}`, "text content blocks must be non-empty"},
		{"whitespace text", `{` + tail + `,"messages":[{"role":"user","content":"  \n"}]}`, "must contain non-whitespace text"},
		{"unknown block", `{` + tail + `,"messages":[{"role":"user","content":[{"type":"video"}]}]}`, "messages.0.content.0.type: Input tag 'video'"},
		{"image without source", `{` + tail + `,"messages":[{"role":"user","content":[{"type":"image"}]}]}`, "messages.0.content.0.source: Field required"},
		{"tool_use from the user", `{` + tail + `,"messages":[{"role":"user","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]}]}`,
			"tool_use blocks can only be in assistant messages"},
		{"tool_use input not an object", `{` + tail + `,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":"{}"}]}]}`,
			"messages.1.content.0.input: Input should be a valid dictionary"},
		{"tool_use without a result", `{` + tail + `,"messages":[{"role":"user","content":"q"},` + useTurn + `,{"role":"user","content":"and?"}]}`,
			"messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1"},
		{"tool_use last", `{` + tail + `,"messages":[{"role":"user","content":"q"},` + useTurn + `]}`,
			"messages.2: `tool_use` ids were found without `tool_result` blocks"},
		{"result for no call", `{` + tail + `,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_9","content":"x"}]}]}`,
			"messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9"},
		{"result after text", `{` + tail + `,"messages":[{"role":"user","content":"q"},` + useTurn +
			`,{"role":"user","content":[{"type":"text","text":"here"},{"type":"tool_result","tool_use_id":"toolu_1"}]}]}`,
			"messages.2.content.1: `tool_result` blocks must come first"},
		{"prefill ends with a space", `{` + tail + `,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"Sure, "}]}`,
			"final assistant content cannot end with trailing whitespace"},
		{"temperature", `{` + tail + `,"temperature":1.5,"messages":[{"role":"user","content":"q"}]}`, "temperature: Input should be less than or equal to 1"},
		{"stream", `{` + tail + `,"stream":"yes","messages":[{"role":"user","content":"q"}]}`, "stream: Input should be a valid boolean"},
		{"stop_sequences", `{` + tail + `,"stop_sequences":["a",1],"messages":[{"role":"user","content":"q"}]}`, "stop_sequences.1: Input should be a valid string"},
		{"system", `{` + tail + `,"system":[{"type":"image","source":{"type":"url","url":"u"}}],"messages":[{"role":"user","content":"q"}]}`, "system.0.type: Input should be 'text'"},
		{"thinking budget", `{` + tail + `,"thinking":{"type":"enabled","budget_tokens":512},"messages":[{"role":"user","content":"q"}]}`,
			"budget_tokens: Input should be greater than or equal to 1024"},
		{"thinking over max_tokens", `{` + tail + `,"thinking":{"type":"enabled","budget_tokens":2048},"messages":[{"role":"user","content":"q"}]}`,
			"`max_tokens` must be greater than `thinking.budget_tokens`"},
		{"tool without schema", `{` + tail + `,"tools":[{"name":"f"}],"messages":[{"role":"user","content":"q"}]}`, "tools.0.input_schema: Field required"},
		{"tool schema not an object", `{` + tail + `,"tools":[{"name":"f","input_schema":{"type":"string"}}],"messages":[{"role":"user","content":"q"}]}`,
			"tools.0.input_schema.type: Input should be 'object'"},
		{"tool name", `{` + tail + `,"tools":[{"name":"a b","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"q"}]}`,
			"tools.0.name: String should match pattern"},
		{"duplicate tools", `{` + tail + `,"tools":[{"name":"f","input_schema":{"type":"object"}},{"name":"f","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"q"}]}`,
			"Tool names must be unique"},
		{"tool_choice", `{` + tail + `,"tool_choice":{"type":"required"},"messages":[{"role":"user","content":"q"}]}`, "tool_choice.type: Input tag 'required'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := do(t, hc, claudeRequest(t, p, "/v1/messages", tc.body))
			typ, msg, _ := readAnthropicError(t, b)
			if resp.StatusCode != 400 || typ != "invalid_request_error" || !strings.Contains(msg, tc.msg) {
				t.Errorf("status %d type %q message %q; want 400 invalid_request_error containing %q", resp.StatusCode, typ, msg, tc.msg)
			}
		})
	}
}

// What Anthropic takes: merged turns, tool results with text after them,
// server tools, documents, thinking echoed back, an empty final assistant
// message; count_tokens without max_tokens.
func TestAnthropicTakesValidRequests(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	hc := httpClient(t)
	const tail = `"model":"m","max_tokens":100`
	for _, tc := range []struct{ name, path, body string }{
		{"consecutive user turns", "/v1/messages", `{` + tail + `,"messages":[{"role":"user","content":"a"},{"role":"user","content":[{"type":"text","text":"b"}]}]}`},
		{"results then text", "/v1/messages", `{` + tail + `,"messages":[{"role":"user","content":"q"},` +
			`{"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"Let me look."},{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}]},` +
			`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"42"}]},{"type":"text","text":"<reminder/>"}]}]}`},
		{"server tool and document", "/v1/messages", `{` + tail + `,"tools":[{"type":"web_search_20250305","name":"web_search"}],` +
			`"messages":[{"role":"user","content":[{"type":"document","source":{"type":"text","media_type":"text/plain","data":"doc"}},{"type":"text","text":"sum up"}]}]}`},
		{"empty final assistant", "/v1/messages", `{` + tail + `,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":""}]}`},
		{"integral float max_tokens", "/v1/messages", `{"model":"m","max_tokens":100.0,"messages":[{"role":"user","content":"q"}]}`},
		{"count_tokens", "/v1/messages/count_tokens", `{"model":"m","messages":[{"role":"user","content":"q"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if resp, b := do(t, hc, claudeRequest(t, p, tc.path, tc.body)); resp.StatusCode != 200 {
				t.Errorf("status %d: %s", resp.StatusCode, b)
			}
		})
	}
}

// A user turn with tool results and text after them (Claude Code adds
// reminders) is answered as the results.
func TestAnthropicTextAfterToolResults(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithoutNamePrefix())
	body := `{"model":"m","max_tokens":100,"tools":[{"name":"f","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"q"},` +
		`{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{}}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"forty two"},{"type":"text","text":"<reminder/>"}]}]}`
	_, b := do(t, httpClient(t), claudeRequest(t, p, "/v1/messages", body))
	if !contains(b, `"text":"The tool f returned: forty two."`) || !contains(b, `"stop_reason":"end_turn"`) {
		t.Errorf("answer %s", b)
	}
}

// After a prefill the answer goes on from it: a stream cut after k tokens
// and continued elsewhere with those k tokens as a prefill reads, in the
// end, as the uncut answer.
func TestAnthropicPrefillContinuesTheAnswer(t *testing.T) {
	sim := newSim(t, Options{Seed: 9})
	p := start(t, sim, "primary", WithTokens(12))
	client := claude(t, p)
	ask := func(prefill string, maxTokens int64) *anthropic.Message {
		t.Helper()
		params := claudeParams("Tell me a story")
		params.MaxTokens = maxTokens
		if prefill != "" {
			params.Messages = append(params.Messages, anthropic.NewAssistantMessage(anthropic.NewTextBlock(prefill)))
		}
		m, err := client.Messages.New(testContext(t), params)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	whole := ask("", 100).Content[0].Text
	words := strings.SplitAfter(whole, " ")
	for _, prefill := range []string{
		strings.TrimSpace(strings.Join(words[:4], "")), // cut between tokens
		whole[:len(words[0])+3],                        // cut inside a token
	} {
		m := ask(prefill, 100)
		if len(m.Content) != 1 || prefill+m.Content[0].Text != whole || m.StopReason != anthropic.StopReasonEndTurn {
			t.Errorf("prefill %q + answer %s\nwant %q", prefill, m.RawJSON(), whole)
		}
	}
	if m := ask(strings.TrimSpace(strings.Join(words[:4], "")), 3); m.StopReason != anthropic.StopReasonMaxTokens || m.Usage.OutputTokens != 3 {
		t.Errorf("capped continuation: %s", m.RawJSON())
	}
	if m := ask(whole, 100); len(m.Content) != 0 || m.StopReason != anthropic.StopReasonEndTurn || m.Usage.OutputTokens != 0 {
		t.Errorf("a prefill that is the whole answer: %s", m.RawJSON())
	}
	// A prefill the answer does not start with gets a fresh answer, the
	// same every time.
	a, b := ask("Once upon a time", 100), ask("Once upon a time", 100)
	if len(a.Content) != 1 || a.Content[0].Text == "" || a.Content[0].Text != b.Content[0].Text {
		t.Errorf("answers to an unknown prefill: %s and %s", a.RawJSON(), b.RawJSON())
	}
}
