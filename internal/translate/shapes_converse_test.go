package translate

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// sdkConverseRequest mirrors the JSON that aws-sdk-go-v2's bedrockruntime
// ConverseInput serialises to, for the fields a translated request may
// carry. It has no model and no stream field: both are in the URL.
type sdkConverseRequest struct {
	Messages []struct {
		Role    string             `json:"role"`
		Content []sdkConverseBlock `json:"content"`
	} `json:"messages"`
	System []struct {
		Text string `json:"text"`
	} `json:"system"`
	InferenceConfig *struct {
		MaxTokens     int      `json:"maxTokens"`
		Temperature   *float64 `json:"temperature"`
		TopP          *float64 `json:"topP"`
		StopSequences []string `json:"stopSequences"`
	} `json:"inferenceConfig"`
	ToolConfig *struct {
		Tools []struct {
			ToolSpec struct {
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
	AdditionalModelRequestFields map[string]json.RawMessage `json:"additionalModelRequestFields"`
	OutputConfig                 *struct {
		TextFormat struct {
			Type      string `json:"type"`
			Structure struct {
				JSONSchema struct {
					Schema string `json:"schema"`
					Name   string `json:"name"`
				} `json:"jsonSchema"`
			} `json:"structure"`
		} `json:"textFormat"`
	} `json:"outputConfig"`
}

// sdkConverseBlock is the ContentBlock union; exactly one member is set.
type sdkConverseBlock struct {
	Text  *string `json:"text"`
	Image *struct {
		Format string `json:"format"`
		Source struct {
			Bytes string `json:"bytes"`
		} `json:"source"`
	} `json:"image"`
	Document *struct {
		Format string `json:"format"`
		Name   string `json:"name"`
		Source struct {
			Bytes string `json:"bytes"`
		} `json:"source"`
	} `json:"document"`
	ToolUse *struct {
		ToolUseID string          `json:"toolUseId"`
		Name      string          `json:"name"`
		Input     json.RawMessage `json:"input"`
	} `json:"toolUse"`
	ToolResult *struct {
		ToolUseID string             `json:"toolUseId"`
		Content   []sdkConverseBlock `json:"content"`
		Status    string             `json:"status"`
	} `json:"toolResult"`
	ReasoningContent *struct {
		ReasoningText *struct {
			Text      string `json:"text"`
			Signature string `json:"signature"`
		} `json:"reasoningText"`
		RedactedContent string `json:"redactedContent"`
	} `json:"reasoningContent"`
}

func (b *sdkConverseBlock) members() int {
	return countSet(b.Text != nil, b.Image != nil, b.Document != nil, b.ToolUse != nil, b.ToolResult != nil, b.ReasoningContent != nil)
}

func countSet(set ...bool) int {
	n := 0
	for _, s := range set {
		if s {
			n++
		}
	}
	return n
}

var (
	converseImageFormats    = []string{"png", "jpeg", "gif", "webp"}
	converseDocumentFormats = []string{"pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md"}
)

// checkConverseRequest checks what Bedrock enforces: alternating turns,
// one member per block, no empty text, tool results first and answering
// the calls just before, a toolConfig whenever the history has tool
// blocks, a 0–1 temperature, a document name of the allowed characters.
func checkConverseRequest(t *testing.T, out []byte, want *expectation) {
	var req sdkConverseRequest
	strictDecode(t, "Converse request", out, &req)
	if c := req.InferenceConfig; c != nil && (c.MaxTokens < 0 || c.Temperature != nil && (*c.Temperature < 0 || *c.Temperature > 1)) {
		t.Errorf("maxTokens %d, or temperature out of 0–1", c.MaxTokens)
	}
	if c := req.InferenceConfig; c != nil && slices.Contains(c.StopSequences, "") {
		t.Error("an empty stop sequence, which Bedrock refuses")
	}
	for i, s := range req.System {
		if s.Text == "" {
			t.Errorf("system[%d] is empty", i)
		}
	}
	toolBlocks := false
	var calls []string
	for i, m := range req.Messages {
		if m.Role != "user" && m.Role != "assistant" || i > 0 && req.Messages[i-1].Role == m.Role || len(m.Content) == 0 {
			t.Errorf("messages[%d]: bad, repeated or empty %q turn", i, m.Role)
		}
		other := false
		for j := range m.Content {
			b := &m.Content[j]
			checkConverseBlock(t, i, j, b, m.Role)
			toolBlocks = toolBlocks || b.ToolUse != nil || b.ToolResult != nil
			if b.ToolResult != nil {
				if other || !slices.Contains(calls, b.ToolResult.ToolUseID) {
					t.Errorf("messages[%d].content[%d]: toolResult %q after other content or answering no call of %v", i, j, b.ToolResult.ToolUseID, calls)
				}
			} else {
				other = true
			}
		}
		if m.Role == "assistant" {
			calls = calls[:0]
			for _, b := range m.Content {
				if b.ToolUse != nil {
					calls = append(calls, b.ToolUse.ToolUseID)
				}
			}
		}
	}
	if n := len(req.Messages); n > 0 && req.Messages[n-1].Role == "assistant" {
		c := req.Messages[n-1].Content
		if last := c[len(c)-1]; last.Text != nil && strings.TrimRightFunc(*last.Text, unicode.IsSpace) != *last.Text {
			t.Error("the final assistant turn ends with white space")
		}
	}
	if tc := req.ToolConfig; tc != nil {
		if len(tc.Tools) == 0 {
			t.Error("toolConfig without tools")
		}
		for i, tool := range tc.Tools {
			if tool.ToolSpec.Name == "" || !json.Valid(tool.ToolSpec.InputSchema.JSON) {
				t.Errorf("toolConfig.tools[%d] lacks a name or a schema", i)
			}
		}
		if c := tc.ToolChoice; c != nil && countSet(c.Auto != nil, c.Any != nil, c.Tool != nil && c.Tool.Name != "") != 1 {
			t.Error("toolChoice must set exactly one of auto, any, tool{name}")
		}
	} else if toolBlocks {
		t.Error("toolUse or toolResult blocks without a toolConfig, which Bedrock refuses")
	}
	if oc := req.OutputConfig; oc != nil {
		if oc.TextFormat.Type != "json_schema" || !json.Valid([]byte(oc.TextFormat.Structure.JSONSchema.Schema)) {
			t.Errorf("outputConfig.textFormat: %+v", oc.TextFormat)
		}
	}
	checkRequestPaths(t, out, want.ToConverse[want.source])
}

func checkConverseBlock(t *testing.T, i, j int, b *sdkConverseBlock, role string) {
	ok := b.members() == 1
	switch {
	case b.Text != nil:
		ok = ok && *b.Text != ""
	case b.Image != nil:
		_, err := base64.StdEncoding.DecodeString(b.Image.Source.Bytes)
		ok = ok && role == "user" && slices.Contains(converseImageFormats, b.Image.Format) && err == nil
	case b.Document != nil:
		ok = ok && role == "user" && slices.Contains(converseDocumentFormats, b.Document.Format) &&
			b.Document.Name != "" && documentName(b.Document.Name) == b.Document.Name
	case b.ToolUse != nil:
		ok = ok && role == "assistant" && b.ToolUse.ToolUseID != "" && b.ToolUse.Name != "" && validArgs(string(b.ToolUse.Input)) &&
			sanitizeID(b.ToolUse.ToolUseID) == b.ToolUse.ToolUseID
	case b.ToolResult != nil:
		ok = ok && role == "user" && b.ToolResult.ToolUseID != "" && len(b.ToolResult.Content) > 0 &&
			(b.ToolResult.Status == "" || b.ToolResult.Status == "error")
		for _, c := range b.ToolResult.Content {
			ok = ok && c.members() == 1 && (c.Text != nil || c.Image != nil || c.Document != nil)
		}
	case b.ReasoningContent != nil:
		rc := b.ReasoningContent
		ok = ok && role == "assistant" && (rc.ReasoningText != nil && rc.ReasoningText.Signature != "") != (rc.RedactedContent != "")
	}
	if !ok {
		t.Errorf("messages[%d].content[%d]: bad block in a %s turn: %+v", i, j, role, b)
	}
}
