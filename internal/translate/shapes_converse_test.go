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
	checkConverseShape(t, out, true)
	checkRequestPaths(t, out, want.ToConverse[want.source])
}

// checkConverseShape checks a Converse request; paired also checks that
// tool results answer the calls of the turn before, which a translation
// keeps but cannot create (a fuzzed history may have none).
func checkConverseShape(t *testing.T, out []byte, paired bool) {
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
				if other || paired && !slices.Contains(calls, b.ToolResult.ToolUseID) {
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

// converseAnswer is what a ConverseStream client (aws-sdk-go-v2's event
// reader) ends up with.
type converseAnswer struct {
	Text       string
	ToolUses   []wantToolCall
	StopReason string
	Usage      cvUsage
	End        string // "metadata", "stop" (messageStop, no metadata), "exception", ""
}

// converseStreamState accumulates a Converse stream in the SSE framing,
// checking the order rules: messageStart first, block indices in order,
// deltas and stops for the open block, one messageStop, metadata last,
// nothing after metadata or an exception.
type converseStreamState struct {
	started bool
	open    int // -1 when no block is open
	next    int
	tools   map[int]int // block index → ToolUses index
	args    []string
	answer  converseAnswer
}

// A provider's stream (lenient) may go on after its end, which is
// ignored, as the decoder does.
func accumulateConverse(t *testing.T, out []byte, lenient bool) converseAnswer {
	st := converseStreamState{open: -1, tools: map[int]int{}}
	for i, ev := range parseSSE(out) {
		if st.answer.End == "metadata" || st.answer.End == "exception" {
			if lenient {
				break
			}
			t.Fatalf("event %d after the end (%s): %s %s", i, st.answer.End, ev.name, ev.data)
		}
		st.event(t, ev)
	}
	for i, a := range st.args {
		if a == "" && lenient {
			a = "{}" // Bedrock sends no input delta for a call without arguments
		}
		if !validArgs(a) {
			t.Errorf("toolUse %d input %q is not a JSON object", i, a)
		}
		st.answer.ToolUses[i].Arguments = json.RawMessage(a)
	}
	return st.answer
}

func (st *converseStreamState) event(t *testing.T, ev sseEvent) {
	if isException(ev.name) {
		var e struct {
			Message string `json:"message"`
		}
		strictDecode(t, "exception", []byte(ev.data), &e)
		st.answer.End = "exception"
		return
	}
	var e struct {
		Role              string          `json:"role"`
		ContentBlockIndex *int            `json:"contentBlockIndex"`
		Start             json.RawMessage `json:"start"`
		Delta             *struct {
			Text    *string `json:"text"`
			ToolUse *struct {
				Input string `json:"input"`
			} `json:"toolUse"`
			ReasoningContent json.RawMessage `json:"reasoningContent"`
		} `json:"delta"`
		StopReason                    string          `json:"stopReason"`
		AdditionalModelResponseFields json.RawMessage `json:"additionalModelResponseFields"`
		Usage                         *cvUsage        `json:"usage"`
		Metrics                       json.RawMessage `json:"metrics"`
		P                             string          `json:"p"`
	}
	strictDecode(t, ev.name, []byte(ev.data), &e)
	if !st.started && ev.name != "messageStart" {
		t.Fatalf("%s before messageStart", ev.name)
	}
	idx := -1
	if e.ContentBlockIndex != nil {
		idx = *e.ContentBlockIndex
	}
	switch ev.name {
	case "messageStart":
		if st.started || e.Role != "assistant" {
			t.Fatalf("bad messageStart: %s", ev.data)
		}
		st.started = true
	case "contentBlockStart":
		var start struct {
			ToolUse struct {
				ToolUseID string `json:"toolUseId"`
				Name      string `json:"name"`
			} `json:"toolUse"`
		}
		strictDecode(t, "contentBlockStart.start", e.Start, &start)
		if st.open >= 0 || idx != st.next || start.ToolUse.ToolUseID == "" {
			t.Fatalf("contentBlockStart out of order or without an id: %s (open %d, next %d)", ev.data, st.open, st.next)
		}
		st.open, st.next = idx, idx+1
		st.tools[idx] = len(st.args)
		st.answer.ToolUses = append(st.answer.ToolUses, wantToolCall{ID: start.ToolUse.ToolUseID, Name: start.ToolUse.Name})
		st.args = append(st.args, "")
	case "contentBlockDelta":
		if st.open < 0 && idx == st.next {
			st.open, st.next = idx, idx+1 // a text block opens with its first delta
		}
		if idx != st.open || e.Delta == nil {
			t.Fatalf("contentBlockDelta for block %d while %d is open: %s", idx, st.open, ev.data)
		}
		tool, isTool := st.tools[idx]
		switch {
		case e.Delta.Text != nil && !isTool:
			st.answer.Text += *e.Delta.Text
		case e.Delta.ToolUse != nil && isTool:
			st.args[tool] += e.Delta.ToolUse.Input
		case e.Delta.ReasoningContent != nil && !isTool:
		default:
			t.Fatalf("delta does not fit block %d: %s", idx, ev.data)
		}
	case "contentBlockStop":
		if idx != st.open {
			t.Fatalf("contentBlockStop for block %d while %d is open", idx, st.open)
		}
		st.open = -1
	case "messageStop":
		if st.open >= 0 || st.answer.StopReason != "" || e.StopReason == "" {
			t.Fatalf("bad messageStop: %s (open block %d)", ev.data, st.open)
		}
		st.answer.StopReason, st.answer.End = e.StopReason, "stop"
	case "metadata":
		if st.answer.StopReason == "" || e.Usage == nil {
			t.Fatalf("metadata before messageStop or without usage: %s", ev.data)
		}
		st.answer.Usage, st.answer.End = *e.Usage, "metadata"
	default:
		t.Fatalf("unknown event %q", ev.name)
	}
}
