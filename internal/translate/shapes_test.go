package translate

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The checks here decode what the translator produced into local structs
// that mirror the official SDKs' shapes, refusing unknown fields, and
// accumulate streams the way the SDKs do. They hold whatever the golden
// files say.

// strictDecode decodes raw into v, refusing fields v does not know and
// trailing data.
func strictDecode(t *testing.T, what string, raw []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s does not have the SDK's shape: %v\n%s", what, err, raw)
	}
	if dec.More() {
		t.Fatalf("%s has trailing data: %s", what, raw)
	}
}

// wantToolCall is a tool call as expect.json states it.
type wantToolCall struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// openAIAnswer is what an OpenAI client ends up with.
type openAIAnswer struct {
	Text         string         `json:"text"`
	ToolCalls    []wantToolCall `json:"tool_calls"`
	FinishReason string         `json:"finish_reason"`
	Usage        *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
		CachedTokens     int `json:"cached_tokens"`
	} `json:"usage"`
}

// anthropicAnswer is what an Anthropic client ends up with.
type anthropicAnswer struct {
	Text       string         `json:"text"`
	ToolUses   []wantToolCall `json:"tool_uses"`
	StopReason string         `json:"stop_reason"`
	Usage      *struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
		CacheRead    int `json:"cache_read_input_tokens"`
		CacheWrite   int `json:"cache_creation_input_tokens"`
	} `json:"usage"`
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func compareToolCalls(t *testing.T, got, want []wantToolCall) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("tool calls: got %d, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Name != w.Name || !jsonEqual(g.Arguments, w.Arguments) {
			t.Errorf("tool call %d: got %s %s %s, want %s %s %s", i, g.ID, g.Name, g.Arguments, w.ID, w.Name, w.Arguments)
		}
	}
}

func compareOpenAIAnswer(t *testing.T, got openAIAnswer, want *openAIAnswer) {
	t.Helper()
	if want == nil {
		return
	}
	if got.Text != want.Text {
		t.Errorf("text: got %q, want %q", got.Text, want.Text)
	}
	compareToolCalls(t, got.ToolCalls, want.ToolCalls)
	if got.FinishReason != want.FinishReason {
		t.Errorf("finish_reason: got %q, want %q", got.FinishReason, want.FinishReason)
	}
	if want.Usage != nil && (got.Usage == nil || *got.Usage != *want.Usage) {
		t.Errorf("usage: got %+v, want %+v", got.Usage, want.Usage)
	}
}

func compareAnthropicAnswer(t *testing.T, got anthropicAnswer, want *anthropicAnswer) {
	t.Helper()
	if want == nil {
		return
	}
	if got.Text != want.Text {
		t.Errorf("text: got %q, want %q", got.Text, want.Text)
	}
	compareToolCalls(t, got.ToolUses, want.ToolUses)
	if got.StopReason != want.StopReason {
		t.Errorf("stop_reason: got %q, want %q", got.StopReason, want.StopReason)
	}
	if want.Usage != nil && (got.Usage == nil || *got.Usage != *want.Usage) {
		t.Errorf("usage: got %+v, want %+v", got.Usage, want.Usage)
	}
}

// checkRequestPaths checks expect.json's "request" entries: a dotted path
// into the translated request ("messages.0.content.1.type") and its value;
// a null value means the path must be absent.
func checkRequestPaths(t *testing.T, out []byte, want map[string]any) {
	t.Helper()
	var doc any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	for path, w := range want {
		got, ok := lookup(doc, path)
		if w == nil {
			if ok {
				t.Errorf("%s: want absent, got %v", path, got)
			}
			continue
		}
		if !ok || !reflect.DeepEqual(got, w) {
			t.Errorf("%s: got %#v (present=%v), want %#v", path, got, ok, w)
		}
	}
}

func lookup(doc any, path string) (any, bool) {
	for _, key := range strings.Split(path, ".") {
		switch v := doc.(type) {
		case map[string]any:
			next, ok := v[key]
			if !ok {
				return nil, false
			}
			doc = next
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			doc = v[i]
		default:
			return nil, false
		}
	}
	return doc, true
}

// validArgs reports whether s is a JSON object, as tool arguments must be.
func validArgs(s string) bool {
	var m map[string]any
	return json.Unmarshal([]byte(s), &m) == nil
}
