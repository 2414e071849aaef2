package translate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// oaRequest is the part of an OpenAI chat completion request that can be
// carried to another dialect, plus the fields that must be refused when
// set. Unknown fields are ignored.
type oaRequest struct {
	Messages            []oaMessage       `json:"messages"`
	Tools               []oaTool          `json:"tools"`
	ToolChoice          json.RawMessage   `json:"tool_choice"`
	ParallelToolCalls   *bool             `json:"parallel_tool_calls"`
	ResponseFormat      *oaResponseFormat `json:"response_format"`
	MaxTokens           *int              `json:"max_tokens"`
	MaxCompletionTokens *int              `json:"max_completion_tokens"`
	Temperature         *float64          `json:"temperature"`
	TopP                *float64          `json:"top_p"`
	Stop                json.RawMessage   `json:"stop"`
	Stream              *bool             `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	User             string `json:"user"`
	SafetyIdentifier string `json:"safety_identifier"`

	// Refused when set: Anthropic has no equivalent.
	N                *int            `json:"n"`
	Logprobs         *bool           `json:"logprobs"`
	TopLogprobs      *int            `json:"top_logprobs"`
	LogitBias        json.RawMessage `json:"logit_bias"`
	Modalities       []string        `json:"modalities"`
	Audio            json.RawMessage `json:"audio"`
	Functions        json.RawMessage `json:"functions"`
	FunctionCall     json.RawMessage `json:"function_call"`
	WebSearchOptions json.RawMessage `json:"web_search_options"`
}

type oaMessage struct {
	Role         string          `json:"role"`
	Content      json.RawMessage `json:"content"`
	ToolCalls    []oaToolCall    `json:"tool_calls"`
	ToolCallID   string          `json:"tool_call_id"`
	Refusal      *string         `json:"refusal"`
	FunctionCall json.RawMessage `json:"function_call"`
	Audio        json.RawMessage `json:"audio"`
}

// oaPart is one element of a content array.
type oaPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Refusal  string `json:"refusal"`
	ImageURL *struct {
		URL string `json:"url"`
	} `json:"image_url"`
	File *struct {
		FileData string `json:"file_data"`
		FileID   string `json:"file_id"`
		Filename string `json:"filename"`
	} `json:"file"`
}

type oaToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type oaTool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	} `json:"function"`
}

type oaResponseFormat struct {
	Type       string `json:"type"`
	JSONSchema *struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
	} `json:"json_schema"`
}

// decodeOpenAIRequest reads an OpenAI chat completion request. Leading
// system and developer messages become Request.System; later ones stay in
// place as RoleSystem messages. Tool messages become user messages holding
// one tool result each.
func decodeOpenAIRequest(body []byte) (*Request, error) {
	var in oaRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fieldError(err)
	}
	if err := in.refuseUntranslatable(); err != nil {
		return nil, err
	}
	req := &Request{
		Temperature:       in.Temperature,
		TopP:              in.TopP,
		ParallelToolCalls: in.ParallelToolCalls,
		User:              in.User,
	}
	if req.User == "" {
		req.User = in.SafetyIdentifier
	}
	if in.MaxCompletionTokens != nil {
		req.MaxTokens = *in.MaxCompletionTokens
	} else if in.MaxTokens != nil {
		req.MaxTokens = *in.MaxTokens
	}
	if in.Stream != nil && *in.Stream {
		req.Stream = true
		req.IncludeUsage = in.StreamOptions != nil && in.StreamOptions.IncludeUsage
	}
	var err error
	if req.Stop, err = decodeStop(in.Stop); err != nil {
		return nil, err
	}
	if req.Tools, err = decodeOpenAITools(in.Tools); err != nil {
		return nil, err
	}
	if req.ToolChoice, err = decodeOpenAIToolChoice(in.ToolChoice); err != nil {
		return nil, err
	}
	if req.JSON, err = decodeResponseFormat(in.ResponseFormat); err != nil {
		return nil, err
	}
	if err := decodeOpenAIMessages(in.Messages, req); err != nil {
		return nil, err
	}
	return req, nil
}

// refuseUntranslatable refuses the fields that change what the client
// gets back and that no other dialect can honour. Fields that are only
// sampling hints (seed, penalties) are dropped instead; see
// docs/translation.md.
func (in *oaRequest) refuseUntranslatable() error {
	switch {
	case in.N != nil && *in.N > 1:
		return refuse("n", "n=%d asks for %d choices; the target provider returns one. Send n=1 or use a route whose targets speak OpenAI.", *in.N, *in.N)
	case in.Logprobs != nil && *in.Logprobs:
		return refuse("logprobs", "logprobs cannot be returned by the target provider.")
	case in.TopLogprobs != nil && *in.TopLogprobs > 0:
		return refuse("top_logprobs", "top_logprobs cannot be returned by the target provider.")
	case !isNull(in.LogitBias) && string(bytes.TrimSpace(in.LogitBias)) != "{}":
		return refuse("logit_bias", "logit_bias has no equivalent at the target provider.")
	case !isNull(in.Audio):
		return refuse("audio", "Audio output is not supported by the target provider.")
	case !isNull(in.Functions):
		return refuse("functions", "The deprecated functions field cannot be translated; use tools.")
	case !isNull(in.FunctionCall):
		return refuse("function_call", "The deprecated function_call field cannot be translated; use tool_choice.")
	case !isNull(in.WebSearchOptions):
		return refuse("web_search_options", "web_search_options has no equivalent at the target provider.")
	}
	for _, m := range in.Modalities {
		if m != "text" {
			return refuse("modalities", "Only text output can be produced by the target provider, not %q.", m)
		}
	}
	return nil
}

// decodeStop reads stop: a string or an array of strings.
func decodeStop(raw json.RawMessage) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var list []string
	s, isString, err := decodeStringOrArray(raw, &list)
	if err != nil {
		return nil, refuse("stop", "stop must be a string or an array of strings.")
	}
	if isString {
		if s == "" {
			return nil, nil
		}
		return []string{s}, nil
	}
	return list, nil
}

func decodeOpenAITools(in []oaTool) ([]Tool, error) {
	var tools []Tool
	for i, t := range in {
		if t.Type != "function" && t.Type != "" {
			return nil, refuse(fmt.Sprintf("tools[%d].type", i), "Tools of type %q cannot be translated; only function tools can.", t.Type)
		}
		if t.Function.Name == "" {
			return nil, refuse(fmt.Sprintf("tools[%d].function.name", i), "A function tool needs a name.")
		}
		tools = append(tools, Tool{Name: t.Function.Name, Description: t.Function.Description, Schema: t.Function.Parameters})
	}
	return tools, nil
}

func decodeOpenAIToolChoice(raw json.RawMessage) (ToolChoice, error) {
	if isNull(raw) {
		return ToolChoice{}, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "auto":
			return ToolChoice{Mode: ToolAuto}, nil
		case "none":
			return ToolChoice{Mode: ToolNone}, nil
		case "required":
			return ToolChoice{Mode: ToolRequired}, nil
		}
		return ToolChoice{}, refuse("tool_choice", "tool_choice %q is not one of none, auto or required.", s)
	}
	var obj struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(raw, &obj) != nil || obj.Type != "function" || obj.Function.Name == "" {
		return ToolChoice{}, refuse("tool_choice", "tool_choice must be none, auto, required or {\"type\":\"function\",\"function\":{\"name\":…}}.")
	}
	return ToolChoice{Mode: ToolNamed, Name: obj.Function.Name}, nil
}

func decodeResponseFormat(rf *oaResponseFormat) (*JSONFormat, error) {
	if rf == nil {
		return nil, nil
	}
	switch rf.Type {
	case "", "text":
		return nil, nil
	case "json_object":
		return &JSONFormat{}, nil
	case "json_schema":
		if rf.JSONSchema == nil {
			return nil, refuse("response_format.json_schema", "response_format json_schema needs a json_schema object.")
		}
		return &JSONFormat{Name: rf.JSONSchema.Name, Schema: rf.JSONSchema.Schema}, nil
	}
	return nil, refuse("response_format.type", "response_format type %q cannot be translated.", rf.Type)
}

// decodeOpenAIMessages fills req.System and req.Messages.
func decodeOpenAIMessages(in []oaMessage, req *Request) error {
	leading := true
	for i, m := range in {
		path := fmt.Sprintf("messages[%d]", i)
		switch m.Role {
		case "system", "developer":
			texts, err := decodeOpenAIText(m.Content, path+".content")
			if err != nil {
				return err
			}
			if leading {
				req.System = append(req.System, texts...)
				continue
			}
			req.Messages = append(req.Messages, Message{Role: RoleSystem, Parts: textParts(texts)})
			continue
		case "user":
			parts, err := decodeOpenAIUserContent(m.Content, path+".content")
			if err != nil {
				return err
			}
			req.Messages = append(req.Messages, Message{Role: RoleUser, Parts: parts})
		case "assistant":
			msg, err := decodeOpenAIAssistant(m, path)
			if err != nil {
				return err
			}
			req.Messages = append(req.Messages, msg)
		case "tool":
			texts, err := decodeOpenAIText(m.Content, path+".content")
			if err != nil {
				return err
			}
			res := &ToolResult{CallID: m.ToolCallID, Content: textParts(texts)}
			req.Messages = append(req.Messages, Message{Role: RoleUser, Parts: []Part{{Kind: PartToolResult, Result: res}}})
		case "function":
			return refuse(path+".role", "Messages of the deprecated role function cannot be translated; use tool messages.")
		default:
			return refuse(path+".role", "Unknown message role %q.", m.Role)
		}
		leading = false
	}
	return nil
}

func textParts(texts []string) []Part {
	parts := make([]Part, 0, len(texts))
	for _, t := range texts {
		parts = append(parts, Part{Kind: PartText, Text: t})
	}
	return parts
}

// decodeOpenAIText reads a content that may hold only text: a string, null,
// or an array of text parts.
func decodeOpenAIText(raw json.RawMessage, path string) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var parts []oaPart
	s, isString, err := decodeStringOrArray(raw, &parts)
	if err != nil {
		return nil, refuse(path, "content must be a string or an array of text parts.")
	}
	if isString {
		return []string{s}, nil
	}
	texts := make([]string, 0, len(parts))
	for j, p := range parts {
		switch p.Type {
		case "text":
			texts = append(texts, p.Text)
		case "refusal":
			texts = append(texts, p.Refusal)
		default:
			return nil, refuse(fmt.Sprintf("%s[%d].type", path, j), "Only text parts are allowed here, not %q.", p.Type)
		}
	}
	return texts, nil
}

// decodeOpenAIUserContent reads a user message's content: text, images and
// PDF files. Audio and uploaded-file references cannot be carried.
func decodeOpenAIUserContent(raw json.RawMessage, path string) ([]Part, error) {
	if isNull(raw) {
		return nil, nil
	}
	var in []oaPart
	s, isString, err := decodeStringOrArray(raw, &in)
	if err != nil {
		return nil, refuse(path, "content must be a string or an array of parts.")
	}
	if isString {
		return []Part{{Kind: PartText, Text: s}}, nil
	}
	parts := make([]Part, 0, len(in))
	for j, p := range in {
		ppath := fmt.Sprintf("%s[%d]", path, j)
		switch p.Type {
		case "text":
			parts = append(parts, Part{Kind: PartText, Text: p.Text})
		case "image_url":
			if p.ImageURL == nil {
				return nil, refuse(ppath+".image_url", "An image_url part needs an image_url object.")
			}
			m, err := mediaFromURL(p.ImageURL.URL, ppath+".image_url.url")
			if err != nil {
				return nil, err
			}
			parts = append(parts, Part{Kind: PartImage, Media: m})
		case "file":
			part, err := decodeOpenAIFile(p, ppath)
			if err != nil {
				return nil, err
			}
			parts = append(parts, part)
		case "input_audio":
			return nil, refuse(ppath, "Audio input cannot be sent to the target provider.")
		default:
			return nil, refuse(ppath+".type", "Content parts of type %q cannot be translated.", p.Type)
		}
	}
	return parts, nil
}

func decodeOpenAIFile(p oaPart, path string) (Part, error) {
	if p.File == nil || p.File.FileData == "" {
		return Part{}, refuse(path+".file", "Only inline files (file_data) can be translated, not uploaded file ids.")
	}
	m, err := mediaFromURL(p.File.FileData, path+".file.file_data")
	if err != nil {
		return Part{}, err
	}
	if m.Data == "" {
		return Part{}, refuse(path+".file.file_data", "file_data must be a base64 data: URL.")
	}
	m.Name = p.File.Filename
	return Part{Kind: PartDocument, Media: m}, nil
}

// mediaFromURL reads an image_url or file_data value: a base64 data: URL
// or an http(s) URL.
func mediaFromURL(url, path string) (*Media, error) {
	if strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://") {
		return &Media{URL: url, Path: path}, nil
	}
	rest, ok := strings.CutPrefix(url, "data:")
	if !ok {
		return nil, refuse(path, "The URL must be http(s) or a base64 data: URL.")
	}
	meta, data, ok := strings.Cut(rest, ",")
	mediaType, isBase64 := strings.CutSuffix(meta, ";base64")
	if !ok || !isBase64 || mediaType == "" {
		return nil, refuse(path, "A data: URL must look like data:<media type>;base64,<data>.")
	}
	return &Media{MediaType: mediaType, Data: data, Path: path}, nil
}

// decodeOpenAIAssistant reads an assistant turn: its text (and refusal, as
// text) and its tool calls, in that order, as OpenAI gives no other.
func decodeOpenAIAssistant(m oaMessage, path string) (Message, error) {
	if !isNull(m.FunctionCall) {
		return Message{}, refuse(path+".function_call", "The deprecated function_call cannot be translated; use tool_calls.")
	}
	if !isNull(m.Audio) {
		return Message{}, refuse(path+".audio", "Assistant audio cannot be sent to the target provider.")
	}
	texts, err := decodeOpenAIText(m.Content, path+".content")
	if err != nil {
		return Message{}, err
	}
	msg := Message{Role: RoleAssistant, Parts: textParts(texts)}
	if m.Refusal != nil && *m.Refusal != "" {
		msg.Parts = append(msg.Parts, Part{Kind: PartText, Text: *m.Refusal})
	}
	for j, c := range m.ToolCalls {
		if c.Function.Name == "" {
			return Message{}, refuse(fmt.Sprintf("%s.tool_calls[%d].function.name", path, j), "A tool call needs a function name.")
		}
		call := &ToolCall{ID: c.ID, Name: c.Function.Name, Input: objectOrEmpty([]byte(c.Function.Arguments))}
		msg.Parts = append(msg.Parts, Part{Kind: PartToolCall, Call: call})
	}
	return msg, nil
}
