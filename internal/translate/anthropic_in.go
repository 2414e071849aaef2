package translate

import (
	"encoding/json"
	"fmt"
)

// anRequestIn is the part of an Anthropic Messages request that can be
// carried to another dialect. Settings with no equivalent elsewhere
// (thinking, context_management, output_config, cache_control,
// service_tier) are ignored on purpose: a translating gateway must not
// fail a Claude Code request over them.
type anRequestIn struct {
	MaxTokens     *int            `json:"max_tokens"`
	System        json.RawMessage `json:"system"`
	Messages      []anMessageIn   `json:"messages"`
	Tools         []anToolIn      `json:"tools"`
	ToolChoice    *anToolChoiceIn `json:"tool_choice"`
	StopSequences []string        `json:"stop_sequences"`
	Temperature   *float64        `json:"temperature"`
	TopP          *float64        `json:"top_p"`
	TopK          *int            `json:"top_k"`
	Stream        *bool           `json:"stream"`
	Metadata      *struct {
		UserID string `json:"user_id"`
	} `json:"metadata"`
	MCPServers json.RawMessage `json:"mcp_servers"`
}

type anMessageIn struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// anBlockIn is a content block as a client sends it.
type anBlockIn struct {
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
	Thinking  string          `json:"thinking"`
	Signature string          `json:"signature"`
	Data      string          `json:"data"`
}

type anToolIn struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"input_schema"`
}

type anToolChoiceIn struct {
	Type                   string `json:"type"`
	Name                   string `json:"name"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use"`
}

// decodeAnthropicRequest reads an Anthropic Messages request. The
// top-level system becomes Request.System; a "system" turn inside messages
// (Claude Code sends one) stays in place as a RoleSystem message.
func decodeAnthropicRequest(body []byte) (*Request, error) {
	var in anRequestIn
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fieldError(err)
	}
	if !isNull(in.MCPServers) {
		return nil, refuse("mcp_servers", "MCP servers are run by Anthropic and cannot be used through the target provider.")
	}
	req := &Request{
		Stop:        in.StopSequences,
		Temperature: in.Temperature,
		TopP:        in.TopP,
		TopK:        in.TopK,
		Stream:      in.Stream != nil && *in.Stream,
	}
	req.IncludeUsage = req.Stream
	if in.MaxTokens != nil {
		req.MaxTokens = *in.MaxTokens
	}
	if in.Metadata != nil {
		req.User = in.Metadata.UserID
	}
	var err error
	if req.System, err = decodeAnthropicSystem(in.System); err != nil {
		return nil, err
	}
	if req.Tools, err = decodeAnthropicTools(in.Tools); err != nil {
		return nil, err
	}
	if in.ToolChoice != nil {
		if req.ToolChoice, err = decodeAnthropicToolChoice(in.ToolChoice); err != nil {
			return nil, err
		}
		if in.ToolChoice.DisableParallelToolUse {
			no := false
			req.ParallelToolCalls = &no
		}
	}
	for i, m := range in.Messages {
		msg, err := decodeAnthropicMessage(m, fmt.Sprintf("messages[%d]", i))
		if err != nil {
			return nil, err
		}
		req.Messages = append(req.Messages, msg)
	}
	return req, nil
}

// decodeAnthropicSystem reads system: a string or text blocks, whose
// cache_control is dropped.
func decodeAnthropicSystem(raw json.RawMessage) ([]string, error) {
	blocks, err := decodeAnthropicContent(raw, "system")
	if err != nil {
		return nil, err
	}
	var texts []string
	for _, b := range blocks {
		if b.Type == "text" {
			texts = append(texts, b.Text)
		}
	}
	return texts, nil
}

// decodeAnthropicContent reads a content that is a string or an array of
// blocks; a string is one text block.
func decodeAnthropicContent(raw json.RawMessage, path string) ([]anBlockIn, error) {
	if isNull(raw) {
		return nil, nil
	}
	var blocks []anBlockIn
	s, isString, err := decodeStringOrArray(raw, &blocks)
	if err != nil {
		return nil, refuse(path, "content must be a string or an array of content blocks.")
	}
	if isString {
		return []anBlockIn{{Type: "text", Text: s}}, nil
	}
	return blocks, nil
}

func decodeAnthropicTools(in []anToolIn) ([]Tool, error) {
	var tools []Tool
	for i, t := range in {
		if t.Type != "" && t.Type != "custom" {
			return nil, refuse(fmt.Sprintf("tools[%d].type", i), "The Anthropic-defined tool %q cannot be used through the target provider; only custom tools with an input_schema can.", t.Type)
		}
		tools = append(tools, Tool{Name: t.Name, Description: t.Description, Schema: t.InputSchema})
	}
	return tools, nil
}

func decodeAnthropicToolChoice(tc *anToolChoiceIn) (ToolChoice, error) {
	switch tc.Type {
	case "auto":
		return ToolChoice{Mode: ToolAuto}, nil
	case "any":
		return ToolChoice{Mode: ToolRequired}, nil
	case "none":
		return ToolChoice{Mode: ToolNone}, nil
	case "tool":
		return ToolChoice{Mode: ToolNamed, Name: tc.Name}, nil
	}
	return ToolChoice{}, refuse("tool_choice.type", "tool_choice type %q is not one of auto, any, none or tool.", tc.Type)
}

func decodeAnthropicMessage(m anMessageIn, path string) (Message, error) {
	var msg Message
	switch m.Role {
	case "user":
		msg.Role = RoleUser
	case "assistant":
		msg.Role = RoleAssistant
	case "system":
		msg.Role = RoleSystem
	default:
		return msg, refuse(path+".role", "Unknown message role %q.", m.Role)
	}
	blocks, err := decodeAnthropicContent(m.Content, path+".content")
	if err != nil {
		return msg, err
	}
	for j, b := range blocks {
		part, ok, err := decodeAnthropicBlock(b, fmt.Sprintf("%s.content[%d]", path, j))
		if err != nil {
			return msg, err
		}
		if ok {
			msg.Parts = append(msg.Parts, part)
		}
	}
	return msg, nil
}

// decodeAnthropicBlock reads one content block. ok is false for blocks
// that are dropped: unknown types, and the results of Anthropic's own
// server tools, which only Anthropic can interpret.
func decodeAnthropicBlock(b anBlockIn, path string) (Part, bool, error) {
	switch b.Type {
	case "text":
		return Part{Kind: PartText, Text: b.Text}, true, nil
	case "image", "document":
		return decodeAnthropicMedia(b, path)
	case "tool_use":
		return Part{Kind: PartToolCall, Call: &ToolCall{ID: b.ID, Name: b.Name, Input: objectOrEmpty(b.Input)}}, true, nil
	case "tool_result":
		res, err := decodeAnthropicToolResult(b, path)
		return Part{Kind: PartToolResult, Result: res}, err == nil, err
	case "thinking":
		return Part{Kind: PartThinking, Text: b.Thinking, Signature: b.Signature}, true, nil
	case "redacted_thinking":
		return Part{Kind: PartThinking, Redacted: b.Data}, true, nil
	}
	return Part{}, false, nil
}

// decodeAnthropicMedia reads an image or document block. A plain-text
// document becomes its text; a document by URL cannot be carried.
func decodeAnthropicMedia(b anBlockIn, path string) (Part, bool, error) {
	if b.Source == nil {
		return Part{}, false, refuse(path+".source", "A %s block needs a source.", b.Type)
	}
	kind := PartImage
	if b.Type == "document" {
		kind = PartDocument
	}
	switch b.Source.Type {
	case "base64":
		return Part{Kind: kind, Media: &Media{MediaType: b.Source.MediaType, Data: b.Source.Data, Name: b.Title, Path: path + ".source"}}, true, nil
	case "url":
		if kind == PartDocument {
			return Part{}, false, refuse(path+".source", "Documents by URL cannot be sent to the target provider; send them as base64.")
		}
		return Part{Kind: kind, Media: &Media{URL: b.Source.URL, Path: path + ".source"}}, true, nil
	case "text":
		if kind == PartDocument {
			return Part{Kind: PartText, Text: b.Source.Data}, true, nil
		}
	}
	return Part{}, false, refuse(path+".source.type", "A %s source of type %q cannot be translated.", b.Type, b.Source.Type)
}

func decodeAnthropicToolResult(b anBlockIn, path string) (*ToolResult, error) {
	res := &ToolResult{CallID: b.ToolUseID, IsError: b.IsError}
	blocks, err := decodeAnthropicContent(b.Content, path+".content")
	if err != nil {
		return nil, err
	}
	for j, inner := range blocks {
		part, ok, err := decodeAnthropicBlock(inner, fmt.Sprintf("%s.content[%d]", path, j))
		if err != nil {
			return nil, err
		}
		if ok && (part.Kind == PartText || part.Kind == PartImage || part.Kind == PartDocument) {
			res.Content = append(res.Content, part)
		}
	}
	return res, nil
}
