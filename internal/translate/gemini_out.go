package translate

import (
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"strings"
)

// maxGeminiStop is how many stop sequences Gemini accepts.
const maxGeminiStop = 5

// gmRequest is a generateContent request, as written and read. The model
// and the streaming choice are in the URL, not in the body.
type gmRequest struct {
	Contents          []gmContent       `json:"contents"`
	SystemInstruction *gmContent        `json:"systemInstruction,omitempty"`
	Tools             []gmTool          `json:"tools,omitempty"`
	ToolConfig        *gmToolConfig     `json:"toolConfig,omitempty"`
	GenerationConfig  *gmGenerationConf `json:"generationConfig,omitempty"`
}

type gmContent struct {
	Role  string   `json:"role,omitempty"`
	Parts []gmPart `json:"parts"`
}

// gmPart is one part; exactly one of its data fields is set.
type gmPart struct {
	Text             *string             `json:"text,omitempty"`
	Thought          bool                `json:"thought,omitempty"`
	ThoughtSignature string              `json:"thoughtSignature,omitempty"`
	InlineData       *gmBlob             `json:"inlineData,omitempty"`
	FileData         *gmFileData         `json:"fileData,omitempty"`
	FunctionCall     *gmFunctionCall     `json:"functionCall,omitempty"`
	FunctionResponse *gmFunctionResponse `json:"functionResponse,omitempty"`
}

type gmBlob struct {
	MimeType string `json:"mimeType"`
	Data     string `json:"data"`
}

type gmFileData struct {
	MimeType string `json:"mimeType,omitempty"`
	FileURI  string `json:"fileUri"`
}

type gmFunctionCall struct {
	ID   string          `json:"id,omitempty"`
	Name string          `json:"name"`
	Args json.RawMessage `json:"args,omitempty"`
}

type gmFunctionResponse struct {
	ID       string          `json:"id,omitempty"`
	Name     string          `json:"name"`
	Response json.RawMessage `json:"response"`
}

type gmTool struct {
	FunctionDeclarations []gmFunctionDecl `json:"functionDeclarations,omitempty"`
}

type gmFunctionDecl struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

type gmToolConfig struct {
	FunctionCallingConfig *gmFunctionCallingConfig `json:"functionCallingConfig,omitempty"`
}

type gmFunctionCallingConfig struct {
	Mode                 string   `json:"mode,omitempty"`
	AllowedFunctionNames []string `json:"allowedFunctionNames,omitempty"`
}

type gmGenerationConf struct {
	Temperature      *float64        `json:"temperature,omitempty"`
	TopP             *float64        `json:"topP,omitempty"`
	TopK             *int            `json:"topK,omitempty"`
	CandidateCount   *int            `json:"candidateCount,omitempty"`
	MaxOutputTokens  int             `json:"maxOutputTokens,omitempty"`
	StopSequences    []string        `json:"stopSequences,omitempty"`
	ResponseMimeType string          `json:"responseMimeType,omitempty"`
	ResponseSchema   json.RawMessage `json:"responseSchema,omitempty"`
}

// encodeGeminiRequest writes req for Gemini. Every instruction goes to
// systemInstruction (Gemini has no system turns); tool results carry the
// name of the function they answer, found in the conversation's calls;
// thinking parts are dropped (a signature from another provider means
// nothing to Gemini); parallel_tool_calls and user have no equivalent and
// are dropped.
func encodeGeminiRequest(req *Request, _ string) ([]byte, error) {
	if len(req.Stop) > maxGeminiStop {
		return nil, refuse("stop", "The target provider accepts at most %d stop sequences, not %d.", maxGeminiStop, len(req.Stop))
	}
	contents, err := geminiContents(req.Messages)
	if err != nil {
		return nil, err
	}
	out := gmRequest{Contents: contents, SystemInstruction: geminiSystem(req)}
	if out.Contents == nil {
		out.Contents = []gmContent{}
	}
	out.Tools, out.ToolConfig = geminiTools(req)
	gc := gmGenerationConf{
		Temperature:     clamp(req.Temperature, 0, 2),
		TopP:            req.TopP,
		TopK:            req.TopK,
		MaxOutputTokens: req.MaxTokens,
		StopSequences:   req.Stop,
	}
	if req.JSON != nil {
		gc.ResponseMimeType = "application/json"
		gc.ResponseSchema = geminiSchema(req.JSON.Schema)
	}
	if gc.Temperature != nil || gc.TopP != nil || gc.TopK != nil || gc.MaxOutputTokens > 0 || len(gc.StopSequences) > 0 || gc.ResponseMimeType != "" {
		out.GenerationConfig = &gc
	}
	return marshal(out)
}

// geminiSystem gathers every instruction, in order: the top-level ones and
// the system turns found inside the conversation.
func geminiSystem(req *Request) *gmContent {
	var parts []gmPart
	add := func(t string) {
		if t != "" {
			parts = append(parts, gmPart{Text: &t})
		}
	}
	for _, t := range req.System {
		add(t)
	}
	for _, m := range req.Messages {
		if m.Role == RoleSystem {
			for _, p := range m.Parts {
				if p.Kind == PartText {
					add(p.Text)
				}
			}
		}
	}
	if parts == nil {
		return nil
	}
	return &gmContent{Parts: parts}
}

// geminiContents writes the conversation: user and model turns,
// consecutive turns of one role merged, empty turns left out.
func geminiContents(msgs []Message) ([]gmContent, error) {
	names := map[string]string{} // tool call id → function name
	var out []gmContent
	for i, m := range msgs {
		role := "user"
		switch m.Role {
		case RoleSystem:
			continue
		case RoleAssistant:
			role = "model"
		}
		var parts []gmPart
		for _, p := range m.Parts {
			part, ok, err := geminiPart(p, names, i)
			if err != nil {
				return nil, err
			}
			if ok {
				parts = append(parts, part)
			}
		}
		if len(parts) == 0 {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Role == role {
			out[n-1].Parts = append(out[n-1].Parts, parts...)
		} else {
			out = append(out, gmContent{Role: role, Parts: parts})
		}
	}
	return out, nil
}

// geminiPart writes one part; ok is false for a part that is dropped.
// names collects the conversation's tool calls so that their results can
// name the function.
func geminiPart(p Part, names map[string]string, msg int) (gmPart, bool, error) {
	switch p.Kind {
	case PartText:
		t := p.Text
		return gmPart{Text: &t}, t != "", nil
	case PartImage, PartDocument:
		if p.Media.URL == "" && !validBase64(p.Media.Data) {
			return gmPart{}, false, refuse(fmt.Sprintf("messages[%d]", msg), "Inline data must be valid standard base64.")
		}
		return geminiMedia(p.Media), true, nil
	case PartToolCall:
		names[p.Call.ID] = p.Call.Name
		return gmPart{FunctionCall: &gmFunctionCall{ID: p.Call.ID, Name: p.Call.Name, Args: objectOrEmpty(p.Call.Input)}}, true, nil
	case PartToolResult:
		name, ok := names[p.Result.CallID]
		if !ok {
			return gmPart{}, false, refuse(fmt.Sprintf("messages[%d]", msg),
				"The tool result for call %q answers no tool call earlier in the conversation; the target provider needs the name of the function it answers.", p.Result.CallID)
		}
		return gmPart{FunctionResponse: &gmFunctionResponse{ID: p.Result.CallID, Name: name, Response: geminiToolResponse(p.Result)}}, true, nil
	}
	return gmPart{}, false, nil // thinking: see encodeGeminiRequest
}

// geminiMedia writes an image or a file: inline data, or a URL as
// fileData, with a media type guessed from the URL's extension when the
// client gave none.
func geminiMedia(m *Media) gmPart {
	if m.URL == "" {
		return gmPart{InlineData: &gmBlob{MimeType: m.MediaType, Data: m.Data}}
	}
	mt := m.MediaType
	if mt == "" {
		mt, _, _ = strings.Cut(mime.TypeByExtension(path.Ext(strings.SplitN(m.URL, "?", 2)[0])), ";")
	}
	return gmPart{FileData: &gmFileData{MimeType: mt, FileURI: m.URL}}
}

// geminiToolResponse is a tool result as Gemini's functionResponse.response
// object: {"content": text}, or {"error": text} for a failed call, as
// Google's docs suggest. Images in a result cannot be carried and are
// named in the text instead.
func geminiToolResponse(r *ToolResult) json.RawMessage {
	var b strings.Builder
	for _, p := range r.Content {
		switch p.Kind {
		case PartText:
			b.WriteString(p.Text)
		case PartImage, PartDocument:
			b.WriteString("[" + p.Media.MediaType + " attachment omitted]")
		}
	}
	key := "content"
	if r.IsError {
		key = "error"
	}
	out, _ := marshal(map[string]string{key: b.String()})
	return out
}

// geminiTools writes the function declarations and the calling mode. A
// named choice is mode ANY restricted to that function.
func geminiTools(req *Request) ([]gmTool, *gmToolConfig) {
	if len(req.Tools) == 0 {
		return nil, nil
	}
	decls := make([]gmFunctionDecl, 0, len(req.Tools))
	for _, t := range req.Tools {
		decls = append(decls, gmFunctionDecl{Name: t.Name, Description: t.Description, Parameters: geminiParameters(t.Schema)})
	}
	var fc *gmFunctionCallingConfig
	switch req.ToolChoice.Mode {
	case ToolAuto:
		fc = &gmFunctionCallingConfig{Mode: "AUTO"}
	case ToolNone:
		fc = &gmFunctionCallingConfig{Mode: "NONE"}
	case ToolRequired:
		fc = &gmFunctionCallingConfig{Mode: "ANY"}
	case ToolNamed:
		fc = &gmFunctionCallingConfig{Mode: "ANY", AllowedFunctionNames: []string{req.ToolChoice.Name}}
	}
	var cfg *gmToolConfig
	if fc != nil {
		cfg = &gmToolConfig{FunctionCallingConfig: fc}
	}
	return []gmTool{{FunctionDeclarations: decls}}, cfg
}

// geminiParameters is a tool's schema for Gemini; an object without
// properties is left out, as Gemini refuses an OBJECT with none.
func geminiParameters(schema json.RawMessage) json.RawMessage {
	out := geminiSchema(schema)
	var probe struct {
		Type       string          `json:"type"`
		Properties map[string]any  `json:"properties"`
		AnyOf      json.RawMessage `json:"anyOf"`
	}
	if out == nil || json.Unmarshal(out, &probe) != nil {
		return nil
	}
	if probe.Type == "OBJECT" && len(probe.Properties) == 0 && probe.AnyOf == nil {
		return nil
	}
	return out
}
