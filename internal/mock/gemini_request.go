package mock

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// This file reads and validates generateContent bodies the way Gemini
// does: 400 INVALID_ARGUMENT, and Google's "Invalid JSON payload received.
// Unknown name" for a field the API does not have, in the body, its
// parts, its generation config and its schemas (Gemini takes an OpenAPI
// subset, not JSON Schema, and refuses additionalProperties, $schema and
// the like). The conversation is then put the way the OpenAI dialect
// carries it, for the content machinery. It never panics, whatever the
// body.

type geminiRequest struct {
	chat chatRequest
}

var (
	gmTopKeys     = []string{"contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "safetySettings", "cachedContent", "labels"}
	gmContentKeys = []string{"role", "parts"}
	gmPartKeys    = []string{"text", "thought", "thoughtSignature", "inlineData", "fileData", "functionCall", "functionResponse",
		"executableCode", "codeExecutionResult", "videoMetadata"}
	gmConfigKeys = []string{"temperature", "topP", "topK", "candidateCount", "maxOutputTokens", "stopSequences", "responseMimeType",
		"responseSchema", "responseJsonSchema", "presencePenalty", "frequencyPenalty", "seed", "responseLogprobs", "logprobs",
		"thinkingConfig", "responseModalities", "mediaResolution", "speechConfig"}
	gmSchemaKeys = []string{"type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems", "properties",
		"required", "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "example", "anyOf", "propertyOrdering",
		"default", "items", "minimum", "maximum"}
	gmSchemaTypes = []string{"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL",
		"string", "number", "integer", "boolean", "array", "object", "null"}
)

// gmObject decodes raw as an object whose keys are all in allowed.
func gmObject(path string, raw json.RawMessage, allowed []string) (map[string]json.RawMessage, *geminiError) {
	var o map[string]json.RawMessage
	if err := json.Unmarshal(raw, &o); err != nil || o == nil {
		return nil, geminiInvalid("Invalid JSON payload received. Invalid value at '%s': expected an object.", path)
	}
	for k := range o {
		switch {
		case slices.Contains(allowed, k):
		case path == "":
			return nil, geminiInvalid("Invalid JSON payload received. Unknown name %q: Cannot find field.", k)
		default:
			return nil, geminiInvalid("Invalid JSON payload received. Unknown name %q at '%s': Cannot find field.", k, path)
		}
	}
	return o, nil
}

func parseGeminiRequest(body []byte) (*geminiRequest, *geminiError) {
	top, e := gmObject("", body, gmTopKeys)
	if e != nil {
		return nil, e
	}
	req := &geminiRequest{}
	var msgs []message
	if raw, ok := top["systemInstruction"]; ok {
		sys, e := gmContent("system_instruction", raw)
		if e != nil {
			return nil, e
		}
		if text := joinGeminiText(sys); text != "" {
			msgs = append(msgs, message{Role: "system", Text: text})
		}
	}
	var contents []json.RawMessage
	if raw, ok := top["contents"]; !ok || json.Unmarshal(raw, &contents) != nil || len(contents) == 0 {
		return nil, geminiInvalid("* GenerateContentRequest.contents: contents is not specified")
	}
	conv, e := gmConversation(contents)
	if e != nil {
		return nil, e
	}
	req.chat.Messages = append(msgs, conv...)
	if raw, ok := top["tools"]; ok {
		if e := gmTools(raw, &req.chat); e != nil {
			return nil, e
		}
	}
	if raw, ok := top["toolConfig"]; ok {
		if e := gmToolConfig(raw, &req.chat); e != nil {
			return nil, e
		}
	}
	if raw, ok := top["generationConfig"]; ok {
		if e := gmGenerationConfig(raw, &req.chat); e != nil {
			return nil, e
		}
	}
	return req, nil
}

type gmPartIn struct {
	Text         *string `json:"text"`
	Thought      bool    `json:"thought"`
	FunctionCall *struct {
		ID   string          `json:"id"`
		Name string          `json:"name"`
		Args json.RawMessage `json:"args"`
	} `json:"functionCall"`
	FunctionResponse *struct {
		ID       string          `json:"id"`
		Name     string          `json:"name"`
		Response json.RawMessage `json:"response"`
	} `json:"functionResponse"`
}

// gmContent reads one Content: a role and parts, each part with known
// fields only.
func gmContent(path string, raw json.RawMessage) ([]gmPartIn, *geminiError) {
	c, e := gmObject(path, raw, gmContentKeys)
	if e != nil {
		return nil, e
	}
	var parts []json.RawMessage
	if json.Unmarshal(c["parts"], &parts) != nil || len(parts) == 0 {
		return nil, geminiInvalid("* GenerateContentRequest.%s.parts: contents.parts must not be empty.", path)
	}
	out := make([]gmPartIn, 0, len(parts))
	for j, p := range parts {
		ppath := fmt.Sprintf("%s.parts[%d]", path, j)
		if _, e := gmObject(ppath, p, gmPartKeys); e != nil {
			return nil, e
		}
		var part gmPartIn
		if json.Unmarshal(p, &part) != nil {
			return nil, geminiInvalid("Invalid JSON payload received. Invalid value at '%s'.", ppath)
		}
		if fc := part.FunctionCall; fc != nil && fc.Name == "" {
			return nil, geminiInvalid("* GenerateContentRequest.%s.function_call.name: Name cannot be empty.", ppath)
		}
		if fr := part.FunctionResponse; fr != nil && fr.Name == "" {
			return nil, geminiInvalid("* GenerateContentRequest.%s.function_response.name: Name cannot be empty.", ppath)
		}
		out = append(out, part)
	}
	return out, nil
}

func joinGeminiText(parts []gmPartIn) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Text != nil && !p.Thought {
			b.WriteString(*p.Text)
		}
	}
	return b.String()
}

// gmConversation puts the contents the way the OpenAI dialect carries
// them: a model turn's function calls as tool calls (with ids made from
// their position when Gemini's optional id is missing), function
// responses as tool messages answering the call of that id, or else the
// oldest unanswered call of that name.
func gmConversation(contents []json.RawMessage) ([]message, *geminiError) {
	var out []message
	var pending []toolCall
	calls := 0
	for i, raw := range contents {
		path := fmt.Sprintf("contents[%d]", i)
		var head struct {
			Role string `json:"role"`
		}
		_ = json.Unmarshal(raw, &head)
		if head.Role != "" && head.Role != "user" && head.Role != "model" && head.Role != "function" {
			return nil, geminiInvalid("Please use a valid role: user, model.")
		}
		parts, e := gmContent(path, raw)
		if e != nil {
			return nil, e
		}
		role := "user"
		if head.Role == "model" {
			role = "assistant"
		}
		msg := message{Role: role}
		for _, p := range parts {
			switch {
			case p.FunctionCall != nil:
				id := p.FunctionCall.ID
				if id == "" {
					id = fmt.Sprintf("call_%d", calls)
				}
				calls++
				args := "{}"
				if len(p.FunctionCall.Args) > 0 {
					args = string(p.FunctionCall.Args)
				}
				tc := toolCall{ID: id, Name: p.FunctionCall.Name, Arguments: args}
				msg.ToolCalls = append(msg.ToolCalls, tc)
				pending = append(pending, tc)
			case p.FunctionResponse != nil:
				fr := p.FunctionResponse
				id := fr.ID
				for k, c := range pending {
					if c.ID == fr.ID || fr.ID == "" && c.Name == fr.Name {
						id = c.ID
						pending = slices.Delete(pending, k, k+1)
						break
					}
				}
				out = append(out, message{Role: "tool", ToolCallID: id, Text: gmResponseText(fr.Response)})
			case p.Text != nil && !p.Thought:
				msg.Text += *p.Text
			}
		}
		if msg.Text != "" || len(msg.ToolCalls) > 0 {
			out = append(out, msg)
		}
	}
	if len(out) == 0 {
		return nil, geminiInvalid("* GenerateContentRequest.contents: contents is not specified")
	}
	return out, nil
}

// gmResponseText is a function response as the text of a tool message:
// its "content", "output" or "error" string when it has one, else its
// JSON.
func gmResponseText(raw json.RawMessage) string {
	var o map[string]json.RawMessage
	if json.Unmarshal(raw, &o) == nil && len(o) == 1 {
		for _, k := range []string{"content", "output", "result", "error"} {
			var s string
			if json.Unmarshal(o[k], &s) == nil {
				return s
			}
		}
	}
	return string(raw)
}

func gmTools(raw json.RawMessage, chat *chatRequest) *geminiError {
	var tools []json.RawMessage
	if json.Unmarshal(raw, &tools) != nil {
		return geminiInvalid("Invalid JSON payload received. Invalid value at 'tools'.")
	}
	for i, t := range tools {
		path := fmt.Sprintf("tools[%d]", i)
		o, e := gmObject(path, t, []string{"functionDeclarations", "googleSearch", "codeExecution", "urlContext", "googleSearchRetrieval"})
		if e != nil {
			return e
		}
		var decls []json.RawMessage
		_ = json.Unmarshal(o["functionDeclarations"], &decls)
		for j, d := range decls {
			dpath := fmt.Sprintf("%s.function_declarations[%d]", path, j)
			fd, e := gmObject(dpath, d, []string{"name", "description", "parameters", "parametersJsonSchema", "response", "behavior"})
			if e != nil {
				return e
			}
			var name string
			if json.Unmarshal(fd["name"], &name) != nil || name == "" {
				return geminiInvalid("* GenerateContentRequest.%s.name: Name cannot be empty.", dpath)
			}
			var params json.RawMessage
			if p, ok := fd["parameters"]; ok {
				if e := gmCheckSchema(dpath+".parameters", p, 0); e != nil {
					return e
				}
				params = lowerSchemaTypes(p)
			} else if p, ok := fd["parametersJsonSchema"]; ok {
				params = p
			}
			chat.Tools = append(chat.Tools, tool{Name: name, Parameters: params})
		}
	}
	return nil
}

// gmCheckSchema refuses what Gemini's Schema lacks.
func gmCheckSchema(path string, raw json.RawMessage, depth int) *geminiError {
	if depth > 32 {
		return geminiInvalid("* GenerateContentRequest.%s: schema too deeply nested.", path)
	}
	o, e := gmObject(path, raw, gmSchemaKeys)
	if e != nil {
		return e
	}
	if t, ok := o["type"]; ok {
		var s string
		if json.Unmarshal(t, &s) != nil || !slices.Contains(gmSchemaTypes, s) {
			return geminiInvalid("Invalid JSON payload received. Invalid value at '%s.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), %s", path, t)
		}
	}
	var props map[string]json.RawMessage
	_ = json.Unmarshal(o["properties"], &props)
	for _, k := range slices.Sorted(maps.Keys(props)) {
		if e := gmCheckSchema(path+".properties["+k+"].value", props[k], depth+1); e != nil {
			return e
		}
	}
	if items, ok := o["items"]; ok {
		if e := gmCheckSchema(path+".items", items, depth+1); e != nil {
			return e
		}
	}
	var anyOf []json.RawMessage
	_ = json.Unmarshal(o["anyOf"], &anyOf)
	for i, a := range anyOf {
		if e := gmCheckSchema(fmt.Sprintf("%s.any_of[%d]", path, i), a, depth+1); e != nil {
			return e
		}
	}
	return nil
}

// lowerSchemaTypes writes Gemini's upper-case types as JSON Schema's, for
// the content machinery.
func lowerSchemaTypes(raw json.RawMessage) json.RawMessage {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	var walk func(any)
	walk = func(v any) {
		switch n := v.(type) {
		case map[string]any:
			for k, c := range n {
				if s, ok := c.(string); ok && k == "type" {
					n[k] = strings.ToLower(s)
				} else {
					walk(c)
				}
			}
		case []any:
			for _, c := range n {
				walk(c)
			}
		}
	}
	walk(v)
	out, _ := json.Marshal(v)
	return out
}

func gmToolConfig(raw json.RawMessage, chat *chatRequest) *geminiError {
	var tc struct {
		FunctionCallingConfig *struct {
			Mode                 string   `json:"mode"`
			AllowedFunctionNames []string `json:"allowedFunctionNames"`
		} `json:"functionCallingConfig"`
	}
	if json.Unmarshal(raw, &tc) != nil {
		return geminiInvalid("Invalid JSON payload received. Invalid value at 'tool_config'.")
	}
	fc := tc.FunctionCallingConfig
	if fc == nil {
		return nil
	}
	switch fc.Mode {
	case "", "AUTO", "VALIDATED":
		chat.ToolChoice = "auto"
	case "NONE":
		chat.ToolChoice = "none"
	case "ANY":
		chat.ToolChoice = "required"
		if len(fc.AllowedFunctionNames) > 0 {
			chat.ToolChoice, chat.ForcedTool = "function", fc.AllowedFunctionNames[0]
		}
	default:
		return geminiInvalid("Invalid JSON payload received. Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), %q", fc.Mode)
	}
	if len(fc.AllowedFunctionNames) > 0 && fc.Mode != "ANY" {
		return geminiInvalid("* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: only allowed when mode is ANY.")
	}
	return nil
}

func gmGenerationConfig(raw json.RawMessage, chat *chatRequest) *geminiError {
	o, e := gmObject("generation_config", raw, gmConfigKeys)
	if e != nil {
		return e
	}
	var gc struct {
		Temperature      *float64        `json:"temperature"`
		CandidateCount   *int            `json:"candidateCount"`
		MaxOutputTokens  *int            `json:"maxOutputTokens"`
		StopSequences    []string        `json:"stopSequences"`
		ResponseMimeType string          `json:"responseMimeType"`
		ResponseSchema   json.RawMessage `json:"responseSchema"`
		ResponseJSON     json.RawMessage `json:"responseJsonSchema"`
	}
	if json.Unmarshal(raw, &gc) != nil {
		return geminiInvalid("Invalid JSON payload received. Invalid value at 'generation_config'.")
	}
	switch {
	case gc.Temperature != nil && (*gc.Temperature < 0 || *gc.Temperature > 2):
		return geminiInvalid("* GenerateContentRequest.generation_config.temperature: must be in the range [0.0, 2.0].")
	case gc.CandidateCount != nil && (*gc.CandidateCount < 1 || *gc.CandidateCount > 8):
		return geminiInvalid("* GenerateContentRequest.generation_config.candidate_count: must be in the range [1, 8].")
	case gc.MaxOutputTokens != nil && *gc.MaxOutputTokens < 1:
		return geminiInvalid("* GenerateContentRequest.generation_config.max_output_tokens: must be positive.")
	case len(gc.StopSequences) > 5:
		return geminiInvalid("* GenerateContentRequest.generation_config.stop_sequences: at most 5 stop sequences are allowed.")
	}
	if gc.MaxOutputTokens != nil {
		chat.MaxTokens = *gc.MaxOutputTokens
	}
	if _, ok := o["responseSchema"]; ok {
		if e := gmCheckSchema("generation_config.response_schema", gc.ResponseSchema, 0); e != nil {
			return e
		}
		if gc.ResponseMimeType != "application/json" {
			return geminiInvalid("* GenerateContentRequest.generation_config.response_mime_type: must be application/json when response_schema is set.")
		}
	}
	if gc.ResponseMimeType == "application/json" {
		chat.ResponseFormat = "json_object"
		switch {
		case gc.ResponseSchema != nil:
			chat.ResponseFormat, chat.Schema = "json_schema", lowerSchemaTypes(gc.ResponseSchema)
		case gc.ResponseJSON != nil:
			chat.ResponseFormat, chat.Schema = "json_schema", gc.ResponseJSON
		}
	}
	return nil
}
