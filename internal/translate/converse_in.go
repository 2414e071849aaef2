package translate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// cvRequestIn is the part of a Converse request that can be carried to
// another dialect. Guardrails, prompt variables, request metadata,
// performance and service tier settings are Bedrock's own and are
// ignored.
type cvRequestIn struct {
	Messages        []cvMessageIn `json:"messages"`
	System          []cvBlockIn   `json:"system"`
	InferenceConfig *struct {
		MaxTokens     *int     `json:"maxTokens"`
		Temperature   *float64 `json:"temperature"`
		TopP          *float64 `json:"topP"`
		StopSequences []string `json:"stopSequences"`
	} `json:"inferenceConfig"`
	ToolConfig *struct {
		Tools []struct {
			ToolSpec *struct {
				Name        string `json:"name"`
				Description string `json:"description"`
				InputSchema struct {
					JSON json.RawMessage `json:"json"`
				} `json:"inputSchema"`
			} `json:"toolSpec"`
		} `json:"tools"`
		ToolChoice *struct {
			Auto *struct{} `json:"auto"`
			Any  *struct{} `json:"any"`
			Tool *struct {
				Name string `json:"name"`
			} `json:"tool"`
		} `json:"toolChoice"`
	} `json:"toolConfig"`
	AdditionalModelRequestFields *struct {
		TopK *int `json:"top_k"`
	} `json:"additionalModelRequestFields"`
	OutputConfig *struct {
		TextFormat *struct {
			Type      string `json:"type"`
			Structure struct {
				JSONSchema *struct {
					Schema string `json:"schema"`
					Name   string `json:"name"`
				} `json:"jsonSchema"`
			} `json:"structure"`
		} `json:"textFormat"`
	} `json:"outputConfig"`
}

type cvMessageIn struct {
	Role    string      `json:"role"`
	Content []cvBlockIn `json:"content"`
}

// cvBlockIn is a content block as a client or Bedrock writes it, any
// member.
type cvBlockIn struct {
	Text  *string `json:"text"`
	Image *struct {
		Format string     `json:"format"`
		Source cvSourceIn `json:"source"`
	} `json:"image"`
	Document *struct {
		Format string     `json:"format"`
		Name   string     `json:"name"`
		Source cvSourceIn `json:"source"`
	} `json:"document"`
	ToolUse *struct {
		ToolUseID string          `json:"toolUseId"`
		Name      string          `json:"name"`
		Input     json.RawMessage `json:"input"`
	} `json:"toolUse"`
	ToolResult *struct {
		ToolUseID string      `json:"toolUseId"`
		Content   []cvBlockIn `json:"content"`
		Status    string      `json:"status"`
	} `json:"toolResult"`
	JSON             json.RawMessage `json:"json"` // in tool results only
	ReasoningContent *struct {
		ReasoningText *struct {
			Text      string `json:"text"`
			Signature string `json:"signature"`
		} `json:"reasoningText"`
		RedactedContent string `json:"redactedContent"`
	} `json:"reasoningContent"`
	Video json.RawMessage `json:"video"`
	Audio json.RawMessage `json:"audio"`
}

type cvSourceIn struct {
	Bytes      string          `json:"bytes"`
	S3Location json.RawMessage `json:"s3Location"`
	Text       *string         `json:"text"`
	Content    []struct {
		Text string `json:"text"`
	} `json:"content"`
}

// decodeConverseRequest reads a Converse request body. Its model is in
// the URL, and whether it streams is the caller's to set on the result.
func decodeConverseRequest(body []byte) (*Request, error) {
	var in cvRequestIn
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fieldError(err)
	}
	req := &Request{}
	for _, b := range in.System {
		if b.Text != nil {
			req.System = append(req.System, *b.Text)
		}
	}
	if c := in.InferenceConfig; c != nil {
		if c.MaxTokens != nil {
			req.MaxTokens = *c.MaxTokens
		}
		req.Temperature, req.TopP, req.Stop = c.Temperature, c.TopP, c.StopSequences
	}
	if f := in.AdditionalModelRequestFields; f != nil {
		req.TopK = f.TopK
	}
	if tc := in.ToolConfig; tc != nil {
		for i, t := range tc.Tools {
			if t.ToolSpec == nil {
				return nil, refuse(fmt.Sprintf("toolConfig.tools[%d]", i), "Only toolSpec tools can be translated.")
			}
			req.Tools = append(req.Tools, Tool{Name: t.ToolSpec.Name, Description: t.ToolSpec.Description, Schema: t.ToolSpec.InputSchema.JSON})
		}
		if c := tc.ToolChoice; c != nil {
			switch {
			case c.Auto != nil:
				req.ToolChoice.Mode = ToolAuto
			case c.Any != nil:
				req.ToolChoice.Mode = ToolRequired
			case c.Tool != nil:
				req.ToolChoice = ToolChoice{Mode: ToolNamed, Name: c.Tool.Name}
			}
		}
	}
	if oc := in.OutputConfig; oc != nil && oc.TextFormat != nil {
		js := oc.TextFormat.Structure.JSONSchema
		if oc.TextFormat.Type != "json_schema" || js == nil || !json.Valid([]byte(js.Schema)) {
			return nil, refuse("outputConfig.textFormat", "Only a json_schema text format with a valid JSON schema can be translated.")
		}
		req.JSON = &JSONFormat{Name: js.Name, Schema: json.RawMessage(js.Schema)}
	}
	for i, m := range in.Messages {
		msg, err := decodeConverseMessage(m, fmt.Sprintf("messages[%d]", i))
		if err != nil {
			return nil, err
		}
		req.Messages = append(req.Messages, msg)
	}
	return req, nil
}

func decodeConverseMessage(m cvMessageIn, path string) (Message, error) {
	var msg Message
	switch m.Role {
	case "user":
		msg.Role = RoleUser
	case "assistant":
		msg.Role = RoleAssistant
	default:
		return msg, refuse(path+".role", "Unknown message role %q; Converse has user and assistant.", m.Role)
	}
	for j := range m.Content {
		part, ok, err := decodeConverseBlock(&m.Content[j], fmt.Sprintf("%s.content[%d]", path, j))
		if err != nil {
			return msg, err
		}
		if ok {
			msg.Parts = append(msg.Parts, part)
		}
	}
	return msg, nil
}

// decodeConverseBlock reads one content block. ok is false for blocks
// that mean nothing elsewhere (cachePoint, guardContent, citations).
// Media kept in S3, video and audio cannot be carried.
func decodeConverseBlock(b *cvBlockIn, path string) (Part, bool, error) {
	switch {
	case b.Text != nil:
		return Part{Kind: PartText, Text: *b.Text}, true, nil
	case b.Image != nil:
		if !isNull(b.Image.Source.S3Location) || b.Image.Source.Bytes == "" {
			return Part{}, false, refuse(path+".image.source", "Only images given as bytes can be translated, not S3 locations.")
		}
		return Part{Kind: PartImage, Media: &Media{MediaType: "image/" + b.Image.Format, Data: b.Image.Source.Bytes, Path: path + ".image"}}, true, nil
	case b.Document != nil:
		return decodeConverseDocument(b, path)
	case b.ToolUse != nil:
		return Part{Kind: PartToolCall, Call: &ToolCall{ID: b.ToolUse.ToolUseID, Name: b.ToolUse.Name, Input: objectOrEmpty(b.ToolUse.Input)}}, true, nil
	case b.ToolResult != nil:
		res := &ToolResult{CallID: b.ToolResult.ToolUseID, IsError: b.ToolResult.Status == "error"}
		for j := range b.ToolResult.Content {
			inner := &b.ToolResult.Content[j]
			ipath := fmt.Sprintf("%s.toolResult.content[%d]", path, j)
			if !isNull(inner.JSON) {
				var buf bytes.Buffer
				if json.Compact(&buf, inner.JSON) != nil {
					return Part{}, false, refuse(ipath+".json", "json must be a JSON value.")
				}
				res.Content = append(res.Content, Part{Kind: PartText, Text: buf.String()})
				continue
			}
			part, ok, err := decodeConverseBlock(inner, ipath)
			if err != nil {
				return Part{}, false, err
			}
			if ok && (part.Kind == PartText || part.Kind == PartImage || part.Kind == PartDocument) {
				res.Content = append(res.Content, part)
			}
		}
		return Part{Kind: PartToolResult, Result: res}, true, nil
	case b.ReasoningContent != nil:
		rc := b.ReasoningContent
		if rc.RedactedContent != "" {
			data, err := base64.StdEncoding.DecodeString(rc.RedactedContent)
			if err != nil {
				return Part{}, false, refuse(path+".reasoningContent.redactedContent", "redactedContent must be base64.")
			}
			return Part{Kind: PartThinking, Redacted: string(data)}, true, nil
		}
		if rc.ReasoningText != nil {
			return Part{Kind: PartThinking, Text: rc.ReasoningText.Text, Signature: rc.ReasoningText.Signature}, true, nil
		}
	case !isNull(b.Video), !isNull(b.Audio):
		return Part{}, false, refuse(path, "Video and audio cannot be sent to the target provider.")
	}
	return Part{}, false, nil
}

// documentTypes are the media types of Converse's document formats.
var documentTypes = func() map[string]string {
	m := make(map[string]string, len(documentFormats))
	for typ, format := range documentFormats {
		m[format] = typ
	}
	return m
}()

// decodeConverseDocument reads a document: bytes become a file, a text or
// content source becomes text.
func decodeConverseDocument(b *cvBlockIn, path string) (Part, bool, error) {
	d := b.Document
	switch {
	case d.Source.Text != nil:
		return Part{Kind: PartText, Text: *d.Source.Text}, true, nil
	case len(d.Source.Content) > 0:
		texts := make([]string, 0, len(d.Source.Content))
		for _, c := range d.Source.Content {
			texts = append(texts, c.Text)
		}
		return Part{Kind: PartText, Text: strings.Join(texts, "\n")}, true, nil
	case d.Source.Bytes != "" && isNull(d.Source.S3Location):
		typ, ok := documentTypes[d.Format]
		if !ok {
			return Part{}, false, refuse(path+".document.format", "Unknown document format %q.", d.Format)
		}
		return Part{Kind: PartDocument, Media: &Media{MediaType: typ, Data: d.Source.Bytes, Name: d.Name, Path: path + ".document"}}, true, nil
	}
	return Part{}, false, refuse(path+".document.source", "Only documents given as bytes or text can be translated, not S3 locations.")
}
