package translate

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
)

// defaultMaxTokens is sent to Anthropic when the client set no cap:
// Anthropic requires max_tokens, OpenAI does not.
const defaultMaxTokens = 4096

// anRequest is an Anthropic Messages request as this package writes it.
type anRequest struct {
	Model         string        `json:"model"`
	MaxTokens     int           `json:"max_tokens"`
	System        any           `json:"system,omitempty"` // a string, or []anBlock
	Messages      []anMessage   `json:"messages"`
	Tools         []anTool      `json:"tools,omitempty"`
	ToolChoice    *anToolChoice `json:"tool_choice,omitempty"`
	StopSequences []string      `json:"stop_sequences,omitempty"`
	Temperature   *float64      `json:"temperature,omitempty"`
	TopP          *float64      `json:"top_p,omitempty"`
	TopK          *int          `json:"top_k,omitempty"`
	Stream        bool          `json:"stream,omitempty"`
	Metadata      *anMetadata   `json:"metadata,omitempty"`
}

type anMessage struct {
	Role    string    `json:"role"`
	Content []anBlock `json:"content"`
}

// anBlock is a content block of any type; only the fields of its type are
// set.
type anBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	Source    *anSource       `json:"source,omitempty"`
	Title     string          `json:"title,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
	IsError   bool            `json:"is_error,omitempty"`
	Thinking  string          `json:"thinking,omitempty"`
	Signature string          `json:"signature,omitempty"`
	Data      string          `json:"data,omitempty"`
}

type anSource struct {
	Type      string `json:"type"`
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
}

type anTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

type anToolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use,omitempty"`
}

type anMetadata struct {
	UserID string `json:"user_id,omitempty"`
}

// encodeAnthropicRequest writes req for Anthropic. Anthropic has no
// system turns inside messages, no JSON mode and a 0–1 temperature: all
// instructions go to the top-level system, a JSON mode becomes one more
// instruction, and the temperature is clamped.
func encodeAnthropicRequest(req *Request, model string) ([]byte, error) {
	out := anRequest{
		Model:         model,
		MaxTokens:     req.MaxTokens,
		StopSequences: req.Stop,
		Temperature:   clamp(req.Temperature, 0, 1),
		TopP:          req.TopP,
		TopK:          req.TopK,
		Stream:        req.Stream,
		Messages:      anthropicMessages(req.Messages),
	}
	if out.MaxTokens <= 0 {
		out.MaxTokens = defaultMaxTokens
		if req.OutputCap > 0 {
			out.MaxTokens = min(defaultMaxTokens, req.OutputCap)
		}
	}
	if out.Messages == nil {
		out.Messages = []anMessage{}
	}
	out.System = anthropicSystem(req)
	if req.User != "" {
		out.Metadata = &anMetadata{UserID: req.User}
	}
	out.Tools, out.ToolChoice = anthropicTools(req)
	return marshal(out)
}

func clamp(v *float64, lo, hi float64) *float64 {
	if v == nil {
		return nil
	}
	c := min(max(*v, lo), hi)
	return &c
}

// anthropicSystem gathers every instruction, in order: the top-level ones,
// the system turns found inside the conversation, then the JSON-mode
// instruction. One text is sent as a string, several as text blocks.
func anthropicSystem(req *Request) any {
	texts := append([]string(nil), req.System...)
	for _, m := range req.Messages {
		if m.Role == RoleSystem {
			for _, p := range m.Parts {
				if p.Kind == PartText {
					texts = append(texts, p.Text)
				}
			}
		}
	}
	if req.JSON != nil {
		texts = append(texts, jsonInstruction(req.JSON))
	}
	blocks := make([]anBlock, 0, len(texts))
	for _, t := range texts {
		if t != "" {
			blocks = append(blocks, anBlock{Type: "text", Text: t})
		}
	}
	switch len(blocks) {
	case 0:
		return nil
	case 1:
		return blocks[0].Text
	}
	return blocks
}

// jsonInstruction asks for JSON in words, as Anthropic has no JSON mode.
// The answer is not validated against the schema.
func jsonInstruction(f *JSONFormat) string {
	if isNull(f.Schema) {
		return "Respond with a single valid JSON object and nothing else: no prose, no code fences."
	}
	var b strings.Builder
	b.WriteString("Respond with a single valid JSON value and nothing else (no prose, no code fences). It must conform to this JSON Schema")
	if f.Name != "" {
		b.WriteString(" (")
		b.WriteString(f.Name)
		b.WriteString(")")
	}
	b.WriteString(":\n")
	var schema bytes.Buffer
	if json.Compact(&schema, f.Schema) != nil {
		schema.Reset()
		schema.Write(f.Schema)
	}
	b.Write(schema.Bytes())
	return b.String()
}

// anthropicTools writes the tools and the tool choice. A tool choice
// without tools is dropped (Anthropic refuses it), and
// parallel_tool_calls=false rides on the tool choice, which Anthropic
// requires for disable_parallel_tool_use.
func anthropicTools(req *Request) ([]anTool, *anToolChoice) {
	if len(req.Tools) == 0 {
		return nil, nil
	}
	tools := make([]anTool, 0, len(req.Tools))
	for _, t := range req.Tools {
		schema := t.Schema
		if isNull(schema) {
			schema = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		tools = append(tools, anTool{Name: t.Name, Description: t.Description, InputSchema: schema})
	}
	var choice *anToolChoice
	switch req.ToolChoice.Mode {
	case ToolAuto:
		choice = &anToolChoice{Type: "auto"}
	case ToolNone:
		choice = &anToolChoice{Type: "none"}
	case ToolRequired:
		choice = &anToolChoice{Type: "any"}
	case ToolNamed:
		choice = &anToolChoice{Type: "tool", Name: req.ToolChoice.Name}
	}
	if req.ParallelToolCalls != nil && !*req.ParallelToolCalls {
		if choice == nil {
			choice = &anToolChoice{Type: "auto"}
		}
		if choice.Type != "none" {
			choice.DisableParallelToolUse = true
		}
	}
	return tools, choice
}

// anthropicMessages writes the conversation as Anthropic wants it: only
// user and assistant turns, alternating (consecutive turns of one role
// are merged), tool results first in their user turn, no empty text
// blocks, no empty turns, and a final assistant turn (a prefill) without
// trailing white space, which Anthropic refuses.
func anthropicMessages(msgs []Message) []anMessage {
	var out []anMessage
	for _, m := range msgs {
		role := "user"
		switch m.Role {
		case RoleSystem:
			continue
		case RoleAssistant:
			role = "assistant"
		}
		blocks := anthropicBlocks(m.Parts)
		if len(blocks) == 0 {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Role == role {
			out[n-1].Content = append(out[n-1].Content, blocks...)
		} else {
			out = append(out, anMessage{Role: role, Content: blocks})
		}
	}
	for i := range out {
		if out[i].Role == "user" {
			toolResultsFirst(out[i].Content)
		}
	}
	if n := len(out); n > 0 && out[n-1].Role == "assistant" {
		trimPrefill(&out[n-1])
		if len(out[n-1].Content) == 0 {
			out = out[:n-1]
		}
	}
	return out
}

// toolResultsFirst moves tool_result blocks to the front, keeping the
// order within each group.
func toolResultsFirst(blocks []anBlock) {
	results := make([]anBlock, 0, len(blocks))
	rest := make([]anBlock, 0, len(blocks))
	for _, b := range blocks {
		if b.Type == "tool_result" {
			results = append(results, b)
		} else {
			rest = append(rest, b)
		}
	}
	copy(blocks, results)
	copy(blocks[len(results):], rest)
}

func trimPrefill(m *anMessage) {
	last := &m.Content[len(m.Content)-1]
	if last.Type != "text" {
		return
	}
	last.Text = strings.TrimRightFunc(last.Text, unicode.IsSpace)
	if last.Text == "" {
		m.Content = m.Content[:len(m.Content)-1]
	}
}

func anthropicBlocks(parts []Part) []anBlock {
	blocks := make([]anBlock, 0, len(parts))
	for _, p := range parts {
		if b, ok := anthropicBlock(p); ok {
			blocks = append(blocks, b)
		}
	}
	return blocks
}

// anthropicBlock writes one part; ok is false for a part that is dropped
// (empty text).
func anthropicBlock(p Part) (anBlock, bool) {
	switch p.Kind {
	case PartText:
		return anBlock{Type: "text", Text: p.Text}, p.Text != ""
	case PartImage:
		return anBlock{Type: "image", Source: anthropicSource(p.Media)}, true
	case PartDocument:
		return anBlock{Type: "document", Source: anthropicSource(p.Media), Title: p.Media.Name}, true
	case PartToolCall:
		return anBlock{Type: "tool_use", ID: sanitizeID(p.Call.ID), Name: p.Call.Name, Input: objectOrEmpty(p.Call.Input)}, true
	case PartToolResult:
		return anthropicToolResult(p.Result), true
	case PartThinking:
		if p.Redacted != "" {
			return anBlock{Type: "redacted_thinking", Data: p.Redacted}, true
		}
		return anBlock{Type: "thinking", Thinking: p.Text, Signature: p.Signature}, p.Signature != ""
	}
	return anBlock{}, false
}

func anthropicSource(m *Media) *anSource {
	if m.URL != "" {
		return &anSource{Type: "url", URL: m.URL}
	}
	return &anSource{Type: "base64", MediaType: m.MediaType, Data: m.Data}
}

// anthropicToolResult writes a tool result: its content as a string when
// it is one text, as blocks otherwise, and nothing when it is empty.
func anthropicToolResult(r *ToolResult) anBlock {
	b := anBlock{Type: "tool_result", ToolUseID: sanitizeID(r.CallID), IsError: r.IsError}
	blocks := anthropicBlocks(r.Content)
	switch {
	case len(blocks) == 1 && blocks[0].Type == "text":
		b.Content, _ = marshal(blocks[0].Text)
	case len(blocks) > 0:
		b.Content, _ = marshal(blocks)
	}
	return b
}
