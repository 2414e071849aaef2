package translate

import (
	"encoding/json"
	"fmt"
	"strings"
)

// decodeGeminiRequest reads a generateContent request body. Gemini is not
// an ingress of the gateway today; the decoder exists so that the codec
// is whole (and Gemini requests can be translated, tested and fuzzed like
// the others). Function calls without an id get one ("call_" and their
// position), and a functionResponse without an id answers the oldest
// unanswered call of its name. Thinking parts are dropped: their
// signatures mean nothing to another provider.
func decodeGeminiRequest(body []byte) (*Request, error) {
	var in gmRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fieldError(err)
	}
	req := &Request{}
	if in.SystemInstruction != nil {
		for _, p := range in.SystemInstruction.Parts {
			if p.Text != nil && *p.Text != "" {
				req.System = append(req.System, *p.Text)
			}
		}
	}
	if err := decodeGeminiConfig(in.GenerationConfig, req); err != nil {
		return nil, err
	}
	for _, t := range in.Tools {
		for _, d := range t.FunctionDeclarations {
			req.Tools = append(req.Tools, Tool{Name: d.Name, Description: d.Description, Schema: d.Parameters})
		}
	}
	if in.ToolConfig != nil && in.ToolConfig.FunctionCallingConfig != nil {
		fc := in.ToolConfig.FunctionCallingConfig
		switch fc.Mode {
		case "", "MODE_UNSPECIFIED", "AUTO", "VALIDATED":
			req.ToolChoice.Mode = ToolAuto
		case "NONE":
			req.ToolChoice.Mode = ToolNone
		case "ANY":
			req.ToolChoice.Mode = ToolRequired
			if len(fc.AllowedFunctionNames) == 1 {
				req.ToolChoice = ToolChoice{Mode: ToolNamed, Name: fc.AllowedFunctionNames[0]}
			}
		default:
			return nil, refuse("toolConfig.functionCallingConfig.mode", "mode %q is not one of AUTO, ANY or NONE.", fc.Mode)
		}
	}
	var pending []*ToolCall // calls not answered yet, oldest first
	calls := 0
	for i, c := range in.Contents {
		msg := Message{Role: RoleUser}
		switch c.Role {
		case "", "user", "function", "tool":
		case "model":
			msg.Role = RoleAssistant
		default:
			return nil, refuse(fmt.Sprintf("contents[%d].role", i), "Unknown role %q; use user or model.", c.Role)
		}
		for j, p := range c.Parts {
			part, ok, err := decodeGeminiPart(p, fmt.Sprintf("contents[%d].parts[%d]", i, j))
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			switch part.Kind {
			case PartToolCall:
				if part.Call.ID == "" {
					part.Call.ID = fmt.Sprintf("call_%d", calls)
				}
				calls++
				pending = append(pending, part.Call)
			case PartToolResult:
				pending = answerGeminiCall(pending, part.Result, p.FunctionResponse.Name)
			}
			msg.Parts = append(msg.Parts, part)
		}
		req.Messages = append(req.Messages, msg)
	}
	return req, nil
}

// answerGeminiCall gives a result its call's id (when it had none) and
// takes the call off the pending list.
func answerGeminiCall(pending []*ToolCall, r *ToolResult, name string) []*ToolCall {
	for k, c := range pending {
		if r.CallID == c.ID || r.CallID == "" && c.Name == name {
			r.CallID = c.ID
			return append(pending[:k:k], pending[k+1:]...)
		}
	}
	if r.CallID == "" {
		r.CallID = "call_" + sanitizeID(name)
	}
	return pending
}

func decodeGeminiConfig(gc *gmGenerationConf, req *Request) error {
	if gc == nil {
		return nil
	}
	if gc.CandidateCount != nil && *gc.CandidateCount > 1 {
		return refuse("generationConfig.candidateCount", "candidateCount=%d asks for %d candidates; the target provider returns one.", *gc.CandidateCount, *gc.CandidateCount)
	}
	req.Temperature, req.TopP, req.TopK = gc.Temperature, gc.TopP, gc.TopK
	req.MaxTokens, req.Stop = gc.MaxOutputTokens, gc.StopSequences
	switch gc.ResponseMimeType {
	case "", "text/plain":
	case "application/json":
		req.JSON = &JSONFormat{Schema: gc.ResponseSchema}
	default:
		return refuse("generationConfig.responseMimeType", "responseMimeType %q cannot be translated.", gc.ResponseMimeType)
	}
	return nil
}

func decodeGeminiPart(p gmPart, path string) (Part, bool, error) {
	switch {
	case p.Thought:
		return Part{}, false, nil
	case p.Text != nil:
		return Part{Kind: PartText, Text: *p.Text}, *p.Text != "", nil
	case p.InlineData != nil:
		kind := PartDocument
		if strings.HasPrefix(p.InlineData.MimeType, "image/") {
			kind = PartImage
		}
		return Part{Kind: kind, Media: &Media{MediaType: p.InlineData.MimeType, Data: p.InlineData.Data}}, true, nil
	case p.FileData != nil:
		if !strings.HasPrefix(p.FileData.MimeType, "image/") && p.FileData.MimeType != "" {
			return Part{}, false, refuse(path+".fileData", "Only images can be sent by URL to the target provider, not %q.", p.FileData.MimeType)
		}
		return Part{Kind: PartImage, Media: &Media{MediaType: p.FileData.MimeType, URL: p.FileData.FileURI}}, true, nil
	case p.FunctionCall != nil:
		fc := p.FunctionCall
		return Part{Kind: PartToolCall, Call: &ToolCall{ID: fc.ID, Name: fc.Name, Input: objectOrEmpty(fc.Args)}}, true, nil
	case p.FunctionResponse != nil:
		fr := p.FunctionResponse
		res := &ToolResult{CallID: fr.ID}
		var body map[string]json.RawMessage
		_ = json.Unmarshal(fr.Response, &body)
		text := string(objectOrEmpty(fr.Response))
		if _, failed := body["error"]; failed && len(body) == 1 {
			res.IsError = true
			text = unquoteOr(body["error"])
		} else if content, ok := body["content"]; ok && len(body) == 1 {
			text = unquoteOr(content)
		} else if output, ok := body["output"]; ok && len(body) == 1 {
			text = unquoteOr(output)
		}
		res.Content = []Part{{Kind: PartText, Text: text}}
		return Part{Kind: PartToolResult, Result: res}, true, nil
	}
	return Part{}, false, nil
}

// unquoteOr is a JSON string's value, or the raw JSON of anything else.
func unquoteOr(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
