package translate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// cvRequest is a Converse request body as this package writes it. The
// model id and converse vs converse-stream are in the URL.
type cvRequest struct {
	Messages                     []cvMessage     `json:"messages"`
	System                       []cvSystemBlock `json:"system,omitempty"`
	InferenceConfig              *cvInference    `json:"inferenceConfig,omitempty"`
	ToolConfig                   *cvToolConfig   `json:"toolConfig,omitempty"`
	AdditionalModelRequestFields map[string]any  `json:"additionalModelRequestFields,omitempty"`
	OutputConfig                 *cvOutputConfig `json:"outputConfig,omitempty"`
}

type cvSystemBlock struct {
	Text string `json:"text"`
}

type cvMessage struct {
	Role    string    `json:"role"`
	Content []cvBlock `json:"content"`
}

// cvBlock is a Converse content block: a union, of which exactly one
// member is set.
type cvBlock struct {
	Text             *string       `json:"text,omitempty"`
	Image            *cvImage      `json:"image,omitempty"`
	Document         *cvDocument   `json:"document,omitempty"`
	ToolUse          *cvToolUse    `json:"toolUse,omitempty"`
	ToolResult       *cvToolResult `json:"toolResult,omitempty"`
	ReasoningContent *cvReasoning  `json:"reasoningContent,omitempty"`
}

type cvImage struct {
	Format string   `json:"format"`
	Source cvSource `json:"source"`
}

type cvDocument struct {
	Format string   `json:"format"`
	Name   string   `json:"name"`
	Source cvSource `json:"source"`
}

// cvSource holds base64 bytes; the other members (s3Location, text) are
// read by the decoder only.
type cvSource struct {
	Bytes string `json:"bytes"`
}

type cvToolUse struct {
	ToolUseID string          `json:"toolUseId"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
}

type cvToolResult struct {
	ToolUseID string    `json:"toolUseId"`
	Content   []cvBlock `json:"content"`
	Status    string    `json:"status,omitempty"`
}

type cvReasoning struct {
	ReasoningText   *cvReasoningText `json:"reasoningText,omitempty"`
	RedactedContent string           `json:"redactedContent,omitempty"` // base64
}

type cvReasoningText struct {
	Text      string `json:"text"`
	Signature string `json:"signature,omitempty"`
}

type cvInference struct {
	MaxTokens     int      `json:"maxTokens,omitempty"`
	Temperature   *float64 `json:"temperature,omitempty"`
	TopP          *float64 `json:"topP,omitempty"`
	StopSequences []string `json:"stopSequences,omitempty"`
}

type cvToolConfig struct {
	Tools      []cvTool      `json:"tools"`
	ToolChoice *cvToolChoice `json:"toolChoice,omitempty"`
}

type cvTool struct {
	ToolSpec cvToolSpec `json:"toolSpec"`
}

type cvToolSpec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	InputSchema struct {
		JSON json.RawMessage `json:"json"`
	} `json:"inputSchema"`
}

// cvToolChoice is a union: {auto:{}}, {any:{}} or {tool:{name}}.
type cvToolChoice struct {
	Auto *struct{}    `json:"auto,omitempty"`
	Any  *struct{}    `json:"any,omitempty"`
	Tool *cvNamedTool `json:"tool,omitempty"`
}

type cvNamedTool struct {
	Name string `json:"name"`
}

// cvOutputConfig asks for structured output, as aws-sdk-go-v2's
// types.OutputConfig{TextFormat: OutputFormat{Type: "json_schema",
// Structure: OutputFormatStructureMemberJsonSchema{JsonSchemaDefinition}}}
// serialises it. The schema is a JSON document in a string.
type cvOutputConfig struct {
	TextFormat cvTextFormat `json:"textFormat"`
}

type cvTextFormat struct {
	Type      string `json:"type"`
	Structure struct {
		JSONSchema cvJSONSchema `json:"jsonSchema"`
	} `json:"structure"`
}

type cvJSONSchema struct {
	Schema string `json:"schema"`
	Name   string `json:"name,omitempty"`
}

// encodeConverseRequest writes req for Converse. Like Anthropic, Converse
// has alternating user/assistant turns and no system turns inside them:
// all instructions go to system[], in order. The model is not in the body.
func encodeConverseRequest(req *Request, _ string) ([]byte, error) {
	msgs, err := converseMessages(req.Messages)
	if err != nil {
		return nil, err
	}
	out := cvRequest{Messages: msgs, System: converseSystem(req)}
	// Without a cap, Bedrock uses the model's maximum: unlike Anthropic's
	// max_tokens, maxTokens is optional, so no default is made up.
	inf := cvInference{
		MaxTokens:   max(req.MaxTokens, 0),
		Temperature: clamp(req.Temperature, 0, 1),
		TopP:        req.TopP,
	}
	for _, s := range req.Stop {
		if s != "" { // Converse refuses empty stop sequences
			inf.StopSequences = append(inf.StopSequences, s)
		}
	}
	if inf.MaxTokens > 0 || inf.Temperature != nil || inf.TopP != nil || len(inf.StopSequences) > 0 {
		out.InferenceConfig = &inf
	}
	if req.TopK != nil {
		out.AdditionalModelRequestFields = map[string]any{"top_k": *req.TopK}
	}
	out.ToolConfig = converseTools(req, msgs)
	if req.JSON != nil && !isNull(req.JSON.Schema) {
		out.OutputConfig = converseOutputConfig(req.JSON)
	}
	return marshal(out)
}

// converseSystem gathers every instruction: the top-level ones, the system
// turns of the conversation, and a JSON mode without a schema as an
// instruction (outputConfig needs a schema).
func converseSystem(req *Request) []cvSystemBlock {
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
	if req.JSON != nil && isNull(req.JSON.Schema) {
		texts = append(texts, jsonInstruction(req.JSON))
	}
	var out []cvSystemBlock
	for _, t := range texts {
		if t != "" { // system text must not be empty
			out = append(out, cvSystemBlock{Text: t})
		}
	}
	return out
}

func converseOutputConfig(f *JSONFormat) *cvOutputConfig {
	var schema bytes.Buffer
	if json.Compact(&schema, f.Schema) != nil {
		schema.Reset()
		schema.Write(f.Schema)
	}
	out := &cvOutputConfig{}
	out.TextFormat.Type = "json_schema"
	out.TextFormat.Structure.JSONSchema = cvJSONSchema{Schema: schema.String(), Name: f.Name}
	return out
}

// converseTools writes toolConfig. Converse has no "none": it is carried
// by sending no tools. But Bedrock refuses toolUse and toolResult blocks
// without a toolConfig, so when the history holds them the tools are sent
// anyway (without a toolChoice; the model may then call one), and a
// request without tools gets a permissive spec for each tool the history
// names.
func converseTools(req *Request, msgs []cvMessage) *cvToolConfig {
	history := historyToolNames(msgs)
	if req.ToolChoice.Mode == ToolNone && len(history) == 0 {
		return nil
	}
	cfg := &cvToolConfig{}
	for _, t := range req.Tools {
		spec := cvToolSpec{Name: t.Name, Description: t.Description}
		spec.InputSchema.JSON = t.Schema
		if isNull(spec.InputSchema.JSON) {
			spec.InputSchema.JSON = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		cfg.Tools = append(cfg.Tools, cvTool{ToolSpec: spec})
	}
	if len(cfg.Tools) == 0 {
		for _, name := range history {
			spec := cvToolSpec{Name: name}
			spec.InputSchema.JSON = json.RawMessage(`{"type":"object"}`)
			cfg.Tools = append(cfg.Tools, cvTool{ToolSpec: spec})
		}
	}
	if len(cfg.Tools) == 0 {
		return nil
	}
	switch req.ToolChoice.Mode {
	case ToolAuto:
		cfg.ToolChoice = &cvToolChoice{Auto: &struct{}{}}
	case ToolRequired:
		cfg.ToolChoice = &cvToolChoice{Any: &struct{}{}}
	case ToolNamed:
		cfg.ToolChoice = &cvToolChoice{Tool: &cvNamedTool{Name: req.ToolChoice.Name}}
	}
	return cfg
}

// historyToolNames lists the tools the conversation's toolUse blocks
// call, in order, once each. It is not empty when the conversation holds
// tool results only (their calls were trimmed): the caller needs to know
// that a toolConfig is required, so it returns a placeholder then.
func historyToolNames(msgs []cvMessage) []string {
	var names []string
	seen := map[string]bool{}
	results := false
	for _, m := range msgs {
		for _, b := range m.Content {
			if b.ToolUse != nil && b.ToolUse.Name != "" && !seen[b.ToolUse.Name] {
				seen[b.ToolUse.Name] = true
				names = append(names, b.ToolUse.Name)
			}
			results = results || b.ToolResult != nil
		}
	}
	if len(names) == 0 && results {
		names = append(names, "tool")
	}
	return names
}

// converseMessages writes the conversation as Converse wants it: user and
// assistant turns alternating (consecutive turns of one role merged), tool
// results first in their user turn, no empty text, no empty turn, and a
// final assistant turn without trailing white space.
func converseMessages(msgs []Message) ([]cvMessage, error) {
	var out []cvMessage
	docs := 0
	for i, m := range msgs {
		role := "user"
		switch m.Role {
		case RoleSystem:
			continue
		case RoleAssistant:
			role = "assistant"
		}
		blocks := make([]cvBlock, 0, len(m.Parts))
		for j, p := range m.Parts {
			b, ok, err := converseBlock(p, fmt.Sprintf("messages[%d].content[%d]", i, j), &docs)
			if err != nil {
				return nil, err
			}
			if ok {
				blocks = append(blocks, b)
			}
		}
		if len(blocks) == 0 {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Role == role {
			out[n-1].Content = append(out[n-1].Content, blocks...)
		} else {
			out = append(out, cvMessage{Role: role, Content: blocks})
		}
	}
	for i := range out {
		if out[i].Role == "user" {
			converseResultsFirst(out[i].Content)
		}
	}
	if n := len(out); n > 0 && out[n-1].Role == "assistant" {
		c := out[n-1].Content
		if last := c[len(c)-1]; last.Text != nil {
			t := strings.TrimRightFunc(*last.Text, unicode.IsSpace)
			c[len(c)-1].Text = &t
			if t == "" {
				out[n-1].Content = c[:len(c)-1]
			}
		}
		if len(out[n-1].Content) == 0 {
			out = out[:n-1]
		}
	}
	if out == nil {
		out = []cvMessage{}
	}
	return out, nil
}

func converseResultsFirst(blocks []cvBlock) {
	results := make([]cvBlock, 0, len(blocks))
	rest := make([]cvBlock, 0, len(blocks))
	for _, b := range blocks {
		if b.ToolResult != nil {
			results = append(results, b)
		} else {
			rest = append(rest, b)
		}
	}
	copy(blocks, results)
	copy(blocks[len(results):], rest)
}

// converseBlock writes one part; ok is false for a part that is dropped
// (empty text, thinking without a signature). path names the part for a
// refusal when the client gave none (Media.Path). docs numbers the
// documents that need a name.
func converseBlock(p Part, path string, docs *int) (cvBlock, bool, error) {
	switch p.Kind {
	case PartText:
		t := p.Text
		return cvBlock{Text: &t}, t != "", nil
	case PartImage:
		img, err := converseImage(p.Media, path)
		return cvBlock{Image: img}, err == nil, err
	case PartDocument:
		doc, err := converseDocument(p.Media, path, docs)
		return cvBlock{Document: doc}, err == nil, err
	case PartToolCall:
		if p.Call.ID == "" {
			return cvBlock{}, false, refuse(path, "A tool call needs an id, which the target provider (Bedrock) requires.")
		}
		return cvBlock{ToolUse: &cvToolUse{ToolUseID: sanitizeID(p.Call.ID), Name: p.Call.Name, Input: objectOrEmpty(p.Call.Input)}}, true, nil
	case PartToolResult:
		res, err := converseToolResult(p.Result, path, docs)
		return cvBlock{ToolResult: res}, err == nil, err
	case PartThinking:
		if p.Redacted != "" {
			return cvBlock{ReasoningContent: &cvReasoning{RedactedContent: base64.StdEncoding.EncodeToString([]byte(p.Redacted))}}, true, nil
		}
		return cvBlock{ReasoningContent: &cvReasoning{ReasoningText: &cvReasoningText{Text: p.Text, Signature: p.Signature}}}, p.Signature != "", nil
	}
	return cvBlock{}, false, nil
}

// imageFormats are the image media types Converse takes, by format name.
var imageFormats = map[string]string{
	"image/png":  "png",
	"image/jpeg": "jpeg",
	"image/jpg":  "jpeg",
	"image/gif":  "gif",
	"image/webp": "webp",
}

// documentFormats are the document media types Converse takes.
var documentFormats = map[string]string{
	"application/pdf":    "pdf",
	"text/csv":           "csv",
	"application/msword": "doc",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
	"application/vnd.ms-excel": "xls",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
	"text/html":     "html",
	"text/plain":    "txt",
	"text/markdown": "md",
}

func mediaPath(m *Media, path string) string {
	if m.Path != "" {
		return m.Path
	}
	return path
}

// converseImage writes an inline image. Converse cannot fetch a URL.
func converseImage(m *Media, path string) (*cvImage, error) {
	if m.URL != "" {
		return nil, refuse(mediaPath(m, path), "Images by URL cannot be sent to the target provider (Bedrock); send them inline as base64.")
	}
	format, ok := imageFormats[strings.ToLower(m.MediaType)]
	if !ok {
		return nil, refuse(mediaPath(m, path), "Images of type %q cannot be sent to the target provider (Bedrock), which takes png, jpeg, gif and webp.", m.MediaType)
	}
	if !validBase64(m.Data) {
		return nil, refuse(mediaPath(m, path), "The image data is not valid base64.")
	}
	return &cvImage{Format: format, Source: cvSource{Bytes: m.Data}}, nil
}

// validBase64 reports whether s is non-empty standard base64, which
// Bedrock and Gemini decode (a blob); a client's bad data is refused here,
// naming its field, rather than by the provider after a round trip.
func validBase64(s string) bool {
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil && s != ""
}

// converseDocument writes an inline document. Converse requires a name of
// letters, digits, single spaces, hyphens, parentheses and brackets; the
// client's file name is cleaned to fit, and a document without one is
// named document-1, document-2, ...
func converseDocument(m *Media, path string, docs *int) (*cvDocument, error) {
	if m.URL != "" {
		return nil, refuse(mediaPath(m, path), "Documents by URL cannot be sent to the target provider (Bedrock); send them inline as base64.")
	}
	format, ok := documentFormats[strings.ToLower(m.MediaType)]
	if !ok {
		return nil, refuse(mediaPath(m, path), "Documents of type %q cannot be sent to the target provider (Bedrock).", m.MediaType)
	}
	if !validBase64(m.Data) {
		return nil, refuse(mediaPath(m, path), "The document data is not valid base64.")
	}
	*docs++
	name := documentName(m.Name)
	if name == "" {
		name = fmt.Sprintf("document-%d", *docs)
	}
	return &cvDocument{Format: format, Name: name, Source: cvSource{Bytes: m.Data}}, nil
}

func documentName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-()[]", r):
			b.WriteRune(r)
			space = false
		case !space && b.Len() > 0:
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// converseToolResult writes a tool result. Converse requires content, so
// an empty result is one empty text.
func converseToolResult(r *ToolResult, path string, docs *int) (*cvToolResult, error) {
	if r.CallID == "" {
		return nil, refuse(path, "A tool result needs the id of the call it answers, which the target provider (Bedrock) requires.")
	}
	out := &cvToolResult{ToolUseID: sanitizeID(r.CallID)}
	if r.IsError {
		out.Status = "error"
	}
	for j, p := range r.Content {
		b, ok, err := converseBlock(p, fmt.Sprintf("%s.content[%d]", path, j), docs)
		if err != nil {
			return nil, err
		}
		if ok && (b.Text != nil || b.Image != nil || b.Document != nil) {
			out.Content = append(out.Content, b)
		}
	}
	if len(out.Content) == 0 {
		empty := ""
		out.Content = []cvBlock{{Text: &empty}}
	}
	return out, nil
}
