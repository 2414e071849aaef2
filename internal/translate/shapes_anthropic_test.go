package translate

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// sdkAnthropicRequest mirrors anthropic-sdk-go's MessageNewParams, for the
// fields a translated request may carry.
type sdkAnthropicRequest struct {
	Model     string                `json:"model"`
	MaxTokens int                   `json:"max_tokens"`
	System    json.RawMessage       `json:"system"`
	Messages  []sdkAnthropicMessage `json:"messages"`
	Tools     []struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"input_schema"`
	} `json:"tools"`
	ToolChoice *struct {
		Type                   string `json:"type"`
		Name                   string `json:"name"`
		DisableParallelToolUse bool   `json:"disable_parallel_tool_use"`
	} `json:"tool_choice"`
	StopSequences []string `json:"stop_sequences"`
	Temperature   *float64 `json:"temperature"`
	TopP          *float64 `json:"top_p"`
	TopK          *int     `json:"top_k"`
	Stream        bool     `json:"stream"`
	Metadata      *struct {
		UserID string `json:"user_id"`
	} `json:"metadata"`
}

type sdkAnthropicMessage struct {
	Role    string              `json:"role"`
	Content []sdkAnthropicBlock `json:"content"`
}

type sdkAnthropicBlock struct {
	Type   string `json:"type"`
	Text   string `json:"text"`
	Source *struct {
		Type      string `json:"type"`
		MediaType string `json:"media_type"`
		Data      string `json:"data"`
		URL       string `json:"url"`
	} `json:"source"`
	Title     string          `json:"title"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	IsError   bool            `json:"is_error"`
}

func checkAnthropicRequest(t *testing.T, out []byte, want *expectation) {
	var req sdkAnthropicRequest
	strictDecode(t, "Anthropic request", out, &req)
	if req.Model != anthropicTarget || req.MaxTokens <= 0 {
		t.Errorf("model %q, max_tokens %d", req.Model, req.MaxTokens)
	}
	if req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 1) {
		t.Errorf("temperature %v out of 0–1", *req.Temperature)
	}
	if req.ToolChoice != nil && !slices.Contains([]string{"auto", "any", "none", "tool"}, req.ToolChoice.Type) {
		t.Errorf("tool_choice type %q", req.ToolChoice.Type)
	}
	for i, tool := range req.Tools {
		if tool.Name == "" || len(tool.InputSchema) == 0 {
			t.Errorf("tools[%d] lacks a name or an input_schema", i)
		}
	}
	if len(req.System) > 0 && req.System[0] == '[' {
		var blocks []sdkAnthropicBlock
		strictDecode(t, "system blocks", req.System, &blocks)
	}
	checkAnthropicMessages(t, req.Messages)
	checkRequestPaths(t, out, want.ToAnthropic)
}

// checkAnthropicMessages checks the rules Anthropic enforces: alternating
// roles, no empty turns or text blocks, tool results first in the user
// turn right after the tool calls they answer, and a prefill without
// trailing white space.
func checkAnthropicMessages(t *testing.T, msgs []sdkAnthropicMessage) {
	var calls []string
	for i, m := range msgs {
		if m.Role != "user" && m.Role != "assistant" {
			t.Errorf("messages[%d]: role %q", i, m.Role)
		}
		if i > 0 && msgs[i-1].Role == m.Role {
			t.Errorf("messages[%d]: two %s turns in a row", i, m.Role)
		}
		if len(m.Content) == 0 {
			t.Errorf("messages[%d]: empty turn", i)
		}
		seenOther := false
		for j, b := range m.Content {
			checkAnthropicBlock(t, i, j, b, m.Role)
			if b.Type == "tool_result" {
				if seenOther {
					t.Errorf("messages[%d].content[%d]: tool_result after other content", i, j)
				}
				if !slices.Contains(calls, b.ToolUseID) {
					t.Errorf("messages[%d].content[%d]: tool_result %q answers no call of the turn before (%v)", i, j, b.ToolUseID, calls)
				}
			} else {
				seenOther = true
			}
		}
		if m.Role == "assistant" {
			calls = calls[:0]
			for _, b := range m.Content {
				if b.Type == "tool_use" {
					calls = append(calls, b.ID)
				}
			}
		}
	}
	if n := len(msgs); n > 0 && msgs[n-1].Role == "assistant" {
		last := msgs[n-1].Content[len(msgs[n-1].Content)-1]
		if last.Type == "text" && strings.TrimRightFunc(last.Text, unicode.IsSpace) != last.Text {
			t.Error("the prefill ends with white space, which Anthropic refuses")
		}
	}
}

func checkAnthropicBlock(t *testing.T, i, j int, b sdkAnthropicBlock, role string) {
	ok := false
	switch b.Type {
	case "text":
		ok = b.Text != ""
	case "image", "document":
		ok = role == "user" && b.Source != nil &&
			(b.Source.Type == "base64" && b.Source.MediaType != "" && b.Source.Data != "" || b.Source.Type == "url" && b.Source.URL != "")
	case "tool_use":
		ok = role == "assistant" && b.ID != "" && b.Name != "" && validArgs(string(b.Input))
	case "tool_result":
		ok = role == "user" && b.ToolUseID != ""
	}
	if !ok {
		t.Errorf("messages[%d].content[%d]: bad %s block in a %s turn: %+v", i, j, b.Type, role, b)
	}
}

// sdkMessage mirrors anthropic-sdk-go's Message.
type sdkMessage struct {
	ID           string              `json:"id"`
	Type         string              `json:"type"`
	Role         string              `json:"role"`
	Model        string              `json:"model"`
	Content      []sdkAnthropicBlock `json:"content"`
	StopReason   string              `json:"stop_reason"`
	StopSequence *string             `json:"stop_sequence"`
	Usage        sdkAnthropicUsage   `json:"usage"`
}

type sdkAnthropicUsage struct {
	InputTokens              int `json:"input_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
	OutputTokens             int `json:"output_tokens"`
}

var anthropicStopReasons = []string{"end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"}

func (u sdkAnthropicUsage) answer(a *anthropicAnswer) {
	a.Usage = &struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
		CacheRead    int `json:"cache_read_input_tokens"`
		CacheWrite   int `json:"cache_creation_input_tokens"`
	}{u.InputTokens, u.OutputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens}
}

func checkAnthropicResponse(t *testing.T, out []byte, want *expectation) {
	var m sdkMessage
	strictDecode(t, "Anthropic message", out, &m)
	if m.Type != "message" || m.Role != "assistant" || m.ID == "" || !slices.Contains(anthropicStopReasons, m.StopReason) {
		t.Fatalf("not a finished message: %s", out)
	}
	var got anthropicAnswer
	for i, b := range m.Content {
		checkAnthropicBlock(t, 0, i, b, "assistant")
		switch b.Type {
		case "text":
			got.Text += b.Text
		case "tool_use":
			got.ToolUses = append(got.ToolUses, wantToolCall{ID: b.ID, Name: b.Name, Arguments: b.Input})
		}
	}
	got.StopReason = m.StopReason
	m.Usage.answer(&got)
	compareAnthropicAnswer(t, got, want.Anthropic)
}

// sdkStreamEvent mirrors the union of anthropic-sdk-go's stream events.
type sdkStreamEvent struct {
	Type         string             `json:"type"`
	Message      *sdkMessage        `json:"message"`
	Index        *int               `json:"index"`
	ContentBlock *sdkAnthropicBlock `json:"content_block"`
	Delta        *struct {
		Type         string  `json:"type"`
		Text         string  `json:"text"`
		PartialJSON  string  `json:"partial_json"`
		StopReason   string  `json:"stop_reason"`
		StopSequence *string `json:"stop_sequence"`
	} `json:"delta"`
	Usage *sdkAnthropicUsage `json:"usage"`
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// anthropicStreamState accumulates a stream as anthropic-sdk-go's
// Message.Accumulate does, checking the order rules on the way.
type anthropicStreamState struct {
	started bool
	blocks  []sdkAnthropicBlock
	args    []string
	open    int // index of the open block, -1 when none
	answer  anthropicAnswer
	delta   bool
	ended   string
}

func checkAnthropicStream(t *testing.T, out []byte, want *expectation) {
	st := anthropicStreamState{open: -1}
	for i, ev := range parseSSE(out) {
		if st.ended != "" {
			t.Fatalf("event %d after the stream ended (%s): %q", i, st.ended, ev.data)
		}
		var e sdkStreamEvent
		strictDecode(t, "Anthropic stream event", []byte(ev.data), &e)
		if ev.name != e.Type {
			t.Fatalf("event name %q differs from its type %q", ev.name, e.Type)
		}
		st.event(t, &e)
	}
	for i, b := range st.blocks {
		switch b.Type {
		case "text":
			st.answer.Text += b.Text
		case "tool_use":
			if !validArgs(st.args[i]) {
				t.Errorf("tool_use %d input %q is not a JSON object", i, st.args[i])
			}
			st.answer.ToolUses = append(st.answer.ToolUses, wantToolCall{ID: b.ID, Name: b.Name, Arguments: json.RawMessage(st.args[i])})
		}
	}
	checkStreamEnd(t, out, st.ended == "stop", st.ended == "error", want.StreamEnd)
	if st.ended == "stop" {
		compareAnthropicAnswer(t, st.answer, want.Anthropic)
	}
}

func (st *anthropicStreamState) event(t *testing.T, e *sdkStreamEvent) {
	if e.Type == "error" {
		if e.Error == nil || e.Error.Type == "" {
			t.Fatal("error event without an error type")
		}
		st.ended = "error"
		return
	}
	if !st.started && e.Type != "message_start" {
		t.Fatalf("%s before message_start", e.Type)
	}
	switch e.Type {
	case "message_start":
		if st.started || e.Message == nil || e.Message.ID == "" || len(e.Message.Content) != 0 {
			t.Fatalf("bad message_start: %+v", e.Message)
		}
		st.started = true
	case "content_block_start":
		if st.open >= 0 || e.Index == nil || *e.Index != len(st.blocks) || e.ContentBlock == nil || st.delta {
			t.Fatalf("content_block_start out of order: index %v, open %d, blocks %d", e.Index, st.open, len(st.blocks))
		}
		st.open = *e.Index
		st.blocks = append(st.blocks, *e.ContentBlock)
		st.args = append(st.args, "")
	case "content_block_delta":
		if e.Index == nil || *e.Index != st.open || e.Delta == nil {
			t.Fatalf("content_block_delta for block %v while %d is open", e.Index, st.open)
		}
		st.blockDelta(t, e)
	case "content_block_stop":
		if e.Index == nil || *e.Index != st.open {
			t.Fatalf("content_block_stop for block %v while %d is open", e.Index, st.open)
		}
		st.open = -1
	case "message_delta":
		if st.open >= 0 || st.delta || e.Usage == nil || e.Delta == nil || !slices.Contains(anthropicStopReasons, e.Delta.StopReason) {
			t.Fatalf("bad message_delta: open block %d, delta %+v", st.open, e.Delta)
		}
		st.delta = true
		st.answer.StopReason = e.Delta.StopReason
		e.Usage.answer(&st.answer)
	case "message_stop":
		if !st.delta {
			t.Fatal("message_stop before message_delta")
		}
		st.ended = "stop"
	default:
		t.Fatalf("unknown event type %q", e.Type)
	}
}

func (st *anthropicStreamState) blockDelta(t *testing.T, e *sdkStreamEvent) {
	b := &st.blocks[st.open]
	switch {
	case e.Delta.Type == "text_delta" && b.Type == "text":
		b.Text += e.Delta.Text
	case e.Delta.Type == "input_json_delta" && b.Type == "tool_use":
		st.args[st.open] += e.Delta.PartialJSON
	default:
		t.Fatalf("%s for a %s block", e.Delta.Type, b.Type)
	}
}
