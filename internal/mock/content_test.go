package mock

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

func answerText(t *testing.T, seed uint64, name, prompt string) string {
	t.Helper()
	sim := newSim(t, Options{Seed: seed})
	p := start(t, sim, name)
	client := sdk(t, p)
	cc, err := client.Chat.Completions.New(testContext(t), userParams(prompt))
	if err != nil {
		t.Fatal(err)
	}
	return cc.Choices[0].Message.Content
}

func TestAnswersAreDeterministic(t *testing.T) {
	a := answerText(t, 1, "primary", "hello")
	if b := answerText(t, 1, "primary", "hello"); a != b {
		t.Errorf("same seed, provider and request gave\n%q\n%q", a, b)
	}
	if b := answerText(t, 1, "secondary", "hello"); strings.TrimPrefix(a, "[primary]") == strings.TrimPrefix(b, "[secondary]") {
		t.Errorf("two providers gave the same words: %q", a)
	}
	if b := answerText(t, 2, "primary", "hello"); a == b {
		t.Errorf("two seeds gave the same answer %q", a)
	}
	if b := answerText(t, 1, "primary", "goodbye"); a == b {
		t.Errorf("two prompts gave the same answer %q", a)
	}
}

func TestAnswerDoesNotDependOnTheModel(t *testing.T) {
	c := content{seed: 1, name: "p", tokens: 10, prefix: true}
	req := func(model string) *chatRequest {
		r, e := parseChatRequest([]byte(`{"model":"` + model + `","messages":[{"role":"user","content":"x"}]}`))
		if e != nil {
			t.Fatal(e)
		}
		return r
	}
	if a, b := c.answer(req("a"), 0).Text(), c.answer(req("b"), 0).Text(); a != b {
		t.Errorf("%q vs %q", a, b)
	}
}

func TestWithoutNamePrefix(t *testing.T) {
	c := content{seed: 1, name: "primary", tokens: 3}
	got := c.words(rand.New(rand.NewPCG(1, 2)))
	if len(got) != 3 || strings.Contains(strings.Join(got, ""), "primary") || got[0] != strings.TrimSpace(got[0]) || !strings.HasPrefix(got[1], " ") {
		t.Errorf("%q", got)
	}
}

func TestFragmentsKeepRunesWhole(t *testing.T) {
	s := `{"city":"Zürich","note":"日本語テキスト"}`
	parts := fragments(s, 8)
	if strings.Join(parts, "") != s {
		t.Fatalf("%q", parts)
	}
	for _, p := range parts {
		if !json.Valid([]byte(`"`+strings.ReplaceAll(p, `"`, `\"`)+`"`)) || len(p) > 8+3 {
			t.Errorf("fragment %q splits a rune or is too long", p)
		}
	}
}

func TestSchemaValues(t *testing.T) {
	schema := `{"type":"object","$defs":{"P":{"type":"object","properties":{"x":{"type":"integer","minimum":500}}}},
		"properties":{"p":{"$ref":"#/$defs/P"},"k":{"const":"fixed"},"maybe":{"type":["null","boolean"]},
		"any":{"anyOf":[{"type":"number","maximum":0.5},{"type":"string"}]},"list":{"items":{"enum":["a"]}}}}`
	rng := rand.New(rand.NewPCG(1, 1))
	out := schemaJSON(rng, json.RawMessage(schema))
	var v struct {
		P     struct{ X int }
		K     string
		Maybe *bool
		Any   float64
		List  []string
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if v.P.X != 500 || v.K != "fixed" || v.Maybe == nil || v.Any > 0.5 || len(v.List) != 1 || v.List[0] != "a" {
		t.Errorf("%s", out)
	}
	// A self-referencing schema terminates.
	out = schemaJSON(rng, json.RawMessage(`{"type":"object","properties":{"self":{"$ref":"#"}}}`))
	if !json.Valid([]byte(out)) || strings.Count(out, "self") < 4 || !strings.Contains(out, "null") {
		t.Errorf("recursive schema: %s", out)
	}
	if a, b := schemaJSON(rand.New(rand.NewPCG(3, 3)), json.RawMessage(schema)), schemaJSON(rand.New(rand.NewPCG(3, 3)), json.RawMessage(schema)); a != b {
		t.Errorf("not deterministic: %s vs %s", a, b)
	}
}

func TestPromptTokens(t *testing.T) {
	for _, tc := range []struct {
		msgs []message
		want int
	}{
		{[]message{{Text: ""}}, 1},
		{[]message{{Text: "abc"}}, 1},
		{[]message{{Text: strings.Repeat("x", 40)}, {Text: strings.Repeat("é", 40)}}, 20},
		{[]message{{ToolCalls: []toolCall{{Name: "abcd", Arguments: "{}{}"}}}}, 2},
	} {
		if got := promptTokens(tc.msgs); got != tc.want {
			t.Errorf("%+v: %d, want %d", tc.msgs, got, tc.want)
		}
	}
}

func TestToolResultNamesEveryTrailingResult(t *testing.T) {
	c := content{name: "p", prefix: true}
	got := c.toolResultText([]message{
		{Role: "user", Text: "q"},
		{Role: "assistant", ToolCalls: []toolCall{{ID: "a", Name: "first"}, {ID: "b", Name: "second"}}},
		{Role: "tool", ToolCallID: "a", Text: "one"},
		{Role: "tool", ToolCallID: "b", Text: ""},
	})
	if got != "[p] The tool first returned: one. The tool second returned: nothing." {
		t.Errorf("%q", got)
	}
}
