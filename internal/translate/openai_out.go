package translate

import (
	"encoding/json"
	"fmt"
	"strings"
)

// maxOpenAIStop is how many stop sequences OpenAI accepts.
const maxOpenAIStop = 4

type oaRequestOut struct {
	Model               string          `json:"model"`
	Messages            []oaMessageOut  `json:"messages"`
	Tools               []oaToolOut     `json:"tools,omitempty"`
	ToolChoice          any             `json:"tool_choice,omitempty"`
	ParallelToolCalls   *bool           `json:"parallel_tool_calls,omitempty"`
	ResponseFormat      any             `json:"response_format,omitempty"`
	MaxCompletionTokens int             `json:"max_completion_tokens,omitempty"`
	Temperature         *float64        `json:"temperature,omitempty"`
	TopP                *float64        `json:"top_p,omitempty"`
	Stop                []string        `json:"stop,omitempty"`
	Stream              bool            `json:"stream,omitempty"`
	StreamOptions       *oaStreamOption `json:"stream_options,omitempty"`
	User                string          `json:"user,omitempty"`
}

type oaStreamOption struct {
	IncludeUsage bool `json:"include_usage"`
}

// oaMessageOut is a message as this package writes it. Content is a
// string, a []oaPartOut, or nil (null, for an assistant turn that only
// calls tools).
type oaMessageOut struct {
	Role       string          `json:"role"`
	Content    any             `json:"content"`
	ToolCalls  []oaToolCallOut `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
}

type oaPartOut struct {
	Type     string      `json:"type"`
	Text     string      `json:"text,omitempty"`
	ImageURL *oaImageURL `json:"image_url,omitempty"`
	File     *oaFile     `json:"file,omitempty"`
}

type oaImageURL struct {
	URL string `json:"url"`
}

type oaFile struct {
	FileData string `json:"file_data"`
	Filename string `json:"filename,omitempty"`
}

type oaToolCallOut struct {
	ID       string         `json:"id"`
	Type     string         `json:"type"`
	Function oaFunctionCall `json:"function"`
}

type oaFunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type oaToolOut struct {
	Type     string     `json:"type"`
	Function oaFunction `json:"function"`
}

type oaFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// encodeOpenAIRequest writes req for an OpenAI chat completion. The cap
// goes in max_completion_tokens (OpenAI's reasoning models refuse
// max_tokens); a stream always asks for usage, which an Anthropic client
// must get; top_k, which OpenAI lacks, is dropped.
func encodeOpenAIRequest(req *Request, model string) ([]byte, error) {
	if len(req.Stop) > maxOpenAIStop {
		return nil, refuse("stop_sequences", "The target provider accepts at most %d stop sequences, not %d.", maxOpenAIStop, len(req.Stop))
	}
	out := oaRequestOut{
		Model:               model,
		MaxCompletionTokens: req.MaxTokens,
		Temperature:         clamp(req.Temperature, 0, 2),
		TopP:                req.TopP,
		Stop:                req.Stop,
		Stream:              req.Stream,
		User:                req.User,
		Messages:            openAIMessages(req),
	}
	if req.Stream {
		out.StreamOptions = &oaStreamOption{IncludeUsage: true}
	}
	out.Tools, out.ToolChoice, out.ParallelToolCalls = openAITools(req)
	if req.JSON != nil {
		out.ResponseFormat = openAIResponseFormat(req.JSON)
	}
	return marshal(out)
}

func openAIResponseFormat(f *JSONFormat) any {
	if isNull(f.Schema) {
		return map[string]string{"type": "json_object"}
	}
	name := f.Name
	if name == "" {
		name = "response"
	}
	return map[string]any{"type": "json_schema", "json_schema": map[string]any{"name": name, "schema": f.Schema}}
}

// openAITools writes tools, tool_choice and parallel_tool_calls. OpenAI
// refuses the last two without tools, so they go only with tools.
func openAITools(req *Request) ([]oaToolOut, any, *bool) {
	if len(req.Tools) == 0 {
		return nil, nil, nil
	}
	tools := make([]oaToolOut, 0, len(req.Tools))
	for _, t := range req.Tools {
		tools = append(tools, oaToolOut{Type: "function", Function: oaFunction{Name: t.Name, Description: t.Description, Parameters: t.Schema}})
	}
	var choice any
	switch req.ToolChoice.Mode {
	case ToolAuto:
		choice = "auto"
	case ToolNone:
		choice = "none"
	case ToolRequired:
		choice = "required"
	case ToolNamed:
		choice = map[string]any{"type": "function", "function": map[string]string{"name": req.ToolChoice.Name}}
	}
	return tools, choice, req.ParallelToolCalls
}

// openAIMessages writes the conversation: the top-level instructions as
// one system message (joined by blank lines, since OpenAI-compatible
// servers' chat templates often accept only one), then every turn in
// order.
func openAIMessages(req *Request) []oaMessageOut {
	out := make([]oaMessageOut, 0, len(req.Messages)+1)
	if len(req.System) > 0 {
		out = append(out, oaMessageOut{Role: "system", Content: strings.Join(req.System, "\n\n")})
	}
	for _, m := range req.Messages {
		switch m.Role {
		case RoleSystem:
			out = append(out, oaMessageOut{Role: "system", Content: joinText(m.Parts, "\n\n")})
		case RoleAssistant:
			if msg, ok := openAIAssistant(m.Parts); ok {
				out = append(out, msg)
			}
		default:
			out = appendOpenAIUser(out, m.Parts)
		}
	}
	return out
}

func joinText(parts []Part, sep string) string {
	var texts []string
	for _, p := range parts {
		if p.Kind == PartText {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, sep)
}

// openAIAssistant writes an assistant turn: its text blocks concatenated
// (as a streamed answer would be), its tool calls, and no thinking, which
// OpenAI cannot take back. ok is false when nothing is left.
func openAIAssistant(parts []Part) (oaMessageOut, bool) {
	msg := oaMessageOut{Role: "assistant"}
	var text strings.Builder
	hasText := false
	for _, p := range parts {
		switch p.Kind {
		case PartText:
			text.WriteString(p.Text)
			hasText = true
		case PartToolCall:
			msg.ToolCalls = append(msg.ToolCalls, oaToolCallOut{
				ID: p.Call.ID, Type: "function",
				Function: oaFunctionCall{Name: p.Call.Name, Arguments: string(objectOrEmpty(p.Call.Input))},
			})
		}
	}
	if hasText {
		msg.Content = text.String()
	}
	return msg, hasText || len(msg.ToolCalls) > 0
}

// appendOpenAIUser writes a user turn. Its tool results come first, one
// tool message each, as OpenAI wants them right after the assistant's
// tool calls; the rest follows as a user message. Images inside a tool
// result, which a tool message cannot hold, move to that user message.
func appendOpenAIUser(out []oaMessageOut, parts []Part) []oaMessageOut {
	var rest []Part
	for _, p := range parts {
		switch p.Kind {
		case PartText, PartImage, PartDocument:
			rest = append(rest, p)
			continue
		case PartToolResult:
		default:
			continue // thinking or tool calls have no place in a user turn
		}
		text := joinText(p.Result.Content, "\n")
		if p.Result.IsError {
			text = "Error: " + text
		}
		out = append(out, oaMessageOut{Role: "tool", ToolCallID: p.Result.CallID, Content: text})
		for _, inner := range p.Result.Content {
			if inner.Kind != PartText {
				rest = append(rest, inner)
			}
		}
	}
	if len(rest) == 0 {
		return out
	}
	if len(rest) == 1 && rest[0].Kind == PartText {
		return append(out, oaMessageOut{Role: "user", Content: rest[0].Text})
	}
	content := make([]oaPartOut, 0, len(rest))
	for _, p := range rest {
		content = append(content, openAIPart(p))
	}
	return append(out, oaMessageOut{Role: "user", Content: content})
}

func openAIPart(p Part) oaPartOut {
	switch p.Kind {
	case PartImage:
		return oaPartOut{Type: "image_url", ImageURL: &oaImageURL{URL: mediaURL(p.Media)}}
	case PartDocument:
		return oaPartOut{Type: "file", File: &oaFile{FileData: mediaURL(p.Media), Filename: p.Media.Name}}
	}
	return oaPartOut{Type: "text", Text: p.Text}
}

// mediaURL is the URL of a media, or its data: URL when it is inline.
func mediaURL(m *Media) string {
	if m.URL != "" {
		return m.URL
	}
	return fmt.Sprintf("data:%s;base64,%s", m.MediaType, m.Data)
}
