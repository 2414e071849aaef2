package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file is Bedrock's Converse API (wire-formats.md §3): the request is
// read and checked as Bedrock does (a ValidationException naming what is
// wrong), put the way the OpenAI dialect carries a conversation, and
// answered by the same content machinery, so a Converse conversation gets
// the same answer as the same conversation in the other dialects.

// converseReply is one answer to a Converse request.
type converseReply struct {
	answer answer
	input  int
}

// converse answers Converse and ConverseStream.
func (x *exchange) converse(op bedrockOp) {
	req, e := parseConverseRequest(x.body)
	if e != nil {
		writeBedrockError(x.w, *e)
		return
	}
	req.Model = op.model
	c := &converseReply{answer: x.p.content.answer(req, 0), input: promptTokens(req.Messages)}
	if op.stream() {
		x.converseStream(c)
		return
	}
	if f := x.fault; f != nil && !x.sleep(f.TTFT.D()+time.Duration(c.answer.Tokens())*pace(f)) {
		return
	}
	out, _ := json.Marshal(c.json())
	x.sendBedrockJSON(out, c.input, c.answer.Tokens())
}

// toolUseID is the answer's tool call id as Bedrock writes them.
func (c *converseReply) toolUseID() string {
	return "tooluse_" + strings.TrimPrefix(c.answer.Call.ID, "call_")
}

// stopReason is Converse's name for the answer's finish reason.
func (c *converseReply) stopReason() string {
	switch c.answer.Finish {
	case "length":
		return "max_tokens"
	case "tool_calls":
		return "tool_use"
	}
	return "end_turn"
}

type converseUsageJSON struct {
	InputTokens  int `json:"inputTokens"`
	OutputTokens int `json:"outputTokens"`
	TotalTokens  int `json:"totalTokens"`
}

type converseMetricsJSON struct {
	LatencyMs int64 `json:"latencyMs"`
}

func (c *converseReply) usage() converseUsageJSON {
	out := c.answer.Tokens()
	return converseUsageJSON{InputTokens: c.input, OutputTokens: out, TotalTokens: c.input + out}
}

type converseBlockJSON struct {
	Text    *string              `json:"text,omitempty"`
	ToolUse *converseToolUseJSON `json:"toolUse,omitempty"`
}

type converseToolUseJSON struct {
	ToolUseID string          `json:"toolUseId"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
}

type converseResponseJSON struct {
	Output struct {
		Message struct {
			Role    string              `json:"role"`
			Content []converseBlockJSON `json:"content"`
		} `json:"message"`
	} `json:"output"`
	StopReason string              `json:"stopReason"`
	Usage      converseUsageJSON   `json:"usage"`
	Metrics    converseMetricsJSON `json:"metrics"`
}

func (c *converseReply) json() converseResponseJSON {
	var out converseResponseJSON
	out.Output.Message.Role = "assistant"
	out.Output.Message.Content = []converseBlockJSON{}
	switch a := c.answer; {
	case a.Call != nil:
		input := json.RawMessage(strings.Join(a.Call.Args, ""))
		if !json.Valid(input) { // cut short by maxTokens
			input = json.RawMessage("{}")
		}
		out.Output.Message.Content = append(out.Output.Message.Content,
			converseBlockJSON{ToolUse: &converseToolUseJSON{ToolUseID: c.toolUseID(), Name: a.Call.Name, Input: input}})
	case len(a.Pieces) > 0:
		out.Output.Message.Content = append(out.Output.Message.Content, converseBlockJSON{Text: str(a.Text())})
	}
	out.StopReason = c.stopReason()
	out.Usage = c.usage()
	return out
}

// converseBlockTypes are the members a content block may have; exactly
// one is set.
var converseBlockTypes = []string{"text", "image", "document", "video", "toolUse", "toolResult",
	"guardContent", "cachePoint", "reasoningContent", "citationsContent", "searchResult"}

// parseConverseRequest reads a Converse body into the simulator's
// conversation: system blocks as a system message, toolResult blocks as
// tool messages, toolUse blocks as tool calls.
func parseConverseRequest(body []byte) (*chatRequest, *bedrockError) {
	var o object
	if json.Unmarshal(body, &o) != nil || o == nil {
		e := errValidation(bedrockMessages["ValidationException"])
		return nil, &e
	}
	bad := func(format string, a ...any) (*chatRequest, *bedrockError) {
		e := errValidation(fmt.Sprintf(format, a...))
		return nil, &e
	}
	req := &chatRequest{N: 1}
	var system strings.Builder
	if raw, ok := o["system"]; ok {
		var blocks []map[string]json.RawMessage
		if json.Unmarshal(raw, &blocks) != nil {
			return bad("1 validation error detected: Value at 'system' failed to satisfy constraint: Member must be a list of SystemContentBlock")
		}
		for _, b := range blocks {
			var text string
			if t, ok := b["text"]; ok && json.Unmarshal(t, &text) == nil {
				system.WriteString(text)
			}
		}
	}
	if system.Len() > 0 {
		req.Messages = append(req.Messages, message{Role: "system", Text: system.String()})
	}
	var msgs []struct {
		Role    string                       `json:"role"`
		Content []map[string]json.RawMessage `json:"content"`
	}
	if json.Unmarshal(o["messages"], &msgs) != nil || len(msgs) == 0 {
		return bad("1 validation error detected: Value at 'messages' failed to satisfy constraint: Member must not be null and must have length greater than or equal to 1")
	}
	if msgs[0].Role != "user" {
		return bad("A conversation must start with a user message. Try again with a conversation that starts with a user message.")
	}
	hasTools := false
	var asked []string // the toolUse ids of the turn before
	for i, m := range msgs {
		if m.Role != "user" && m.Role != "assistant" {
			return bad("1 validation error detected: Value '%s' at 'messages.%d.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]", m.Role, i+1)
		}
		if i > 0 && msgs[i-1].Role == m.Role {
			return bad("A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.")
		}
		if len(m.Content) == 0 {
			return bad("The content field in the Message object at messages.%d is empty. Add a ContentBlock object to the content field and try again.", i)
		}
		var text strings.Builder
		var calls []toolCall
		var answered []string
		for j, b := range m.Content {
			kind, n := "", 0
			for _, k := range converseBlockTypes {
				if _, ok := b[k]; ok {
					kind, n = k, n+1
				}
			}
			if n != 1 {
				return bad("The content block at messages.%d.content.%d must have exactly one of: %s.", i, j, strings.Join(converseBlockTypes, ", "))
			}
			switch kind {
			case "text":
				var s string
				if json.Unmarshal(b["text"], &s) != nil {
					return bad("The text at messages.%d.content.%d must be a string.", i, j)
				}
				text.WriteString(s)
			case "toolUse":
				var tu struct {
					ToolUseID string          `json:"toolUseId"`
					Name      string          `json:"name"`
					Input     json.RawMessage `json:"input"`
				}
				if m.Role != "assistant" || json.Unmarshal(b["toolUse"], &tu) != nil || tu.ToolUseID == "" || tu.Name == "" {
					return bad("The toolUse block at messages.%d.content.%d must be in an assistant message, with a toolUseId, a name and an input.", i, j)
				}
				var compact bytes.Buffer
				if json.Compact(&compact, tu.Input) != nil {
					compact.WriteString("{}")
				}
				hasTools = true
				calls = append(calls, toolCall{ID: tu.ToolUseID, Name: tu.Name, Arguments: compact.String()})
			case "toolResult":
				var tr struct {
					ToolUseID string                       `json:"toolUseId"`
					Content   []map[string]json.RawMessage `json:"content"`
				}
				if m.Role != "user" || json.Unmarshal(b["toolResult"], &tr) != nil || tr.ToolUseID == "" {
					return bad("The toolResult block at messages.%d.content.%d must be in a user message, with a toolUseId.", i, j)
				}
				if !slices.Contains(asked, tr.ToolUseID) {
					return bad("The toolUseId %s at messages.%d.content.%d does not match a toolUse block of the previous assistant message.", tr.ToolUseID, i, j)
				}
				hasTools = true
				answered = append(answered, tr.ToolUseID)
				req.Messages = append(req.Messages, message{Role: "tool", ToolCallID: tr.ToolUseID, Text: toolResultContent(tr.Content)})
			}
		}
		for _, id := range asked {
			if !slices.Contains(answered, id) {
				return bad("Expected toolResult blocks at messages.%d.content for the following Ids: %s", i, id)
			}
		}
		asked = nil
		for _, c := range calls {
			asked = append(asked, c.ID)
		}
		// A turn of tool results only is its tool messages; any other turn
		// is a message, even one of images only (its text is empty).
		if text.Len() > 0 || len(calls) > 0 || len(answered) == 0 {
			req.Messages = append(req.Messages, message{Role: m.Role, Text: text.String(), ToolCalls: calls})
		}
	}
	if e := parseInferenceConfig(o, req); e != nil {
		return nil, e
	}
	if e := parseToolConfig(o, req, hasTools); e != nil {
		return nil, e
	}
	return req, nil
}

// toolResultContent is the text a toolResult carries: its text blocks,
// and its json blocks as compact JSON.
func toolResultContent(blocks []map[string]json.RawMessage) string {
	var out strings.Builder
	for _, b := range blocks {
		var s string
		if raw, ok := b["text"]; ok && json.Unmarshal(raw, &s) == nil {
			out.WriteString(s)
		} else if raw, ok := b["json"]; ok {
			var compact bytes.Buffer
			if json.Compact(&compact, raw) == nil {
				out.Write(compact.Bytes())
			}
		}
	}
	return out.String()
}

// parseInferenceConfig reads inferenceConfig: maxTokens at least 1,
// temperature and topP within [0, 1].
func parseInferenceConfig(o object, req *chatRequest) *bedrockError {
	raw, ok := o["inferenceConfig"]
	if !ok {
		return nil
	}
	var ic struct {
		MaxTokens   *int     `json:"maxTokens"`
		Temperature *float64 `json:"temperature"`
		TopP        *float64 `json:"topP"`
	}
	if json.Unmarshal(raw, &ic) != nil {
		e := errValidation("1 validation error detected: Value at 'inferenceConfig' failed to satisfy constraint: Member must be an InferenceConfiguration")
		return &e
	}
	if ic.MaxTokens != nil {
		if *ic.MaxTokens < 1 {
			e := errValidation("1 validation error detected: Value '" + strconv.Itoa(*ic.MaxTokens) + "' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1")
			return &e
		}
		req.MaxTokens = *ic.MaxTokens
	}
	for _, v := range []struct {
		name string
		v    *float64
	}{{"temperature", ic.Temperature}, {"topP", ic.TopP}} {
		if v.v != nil && (*v.v < 0 || *v.v > 1) {
			e := errValidation("1 validation error detected: Value at 'inferenceConfig." + v.name + "' failed to satisfy constraint: Member must have value less than or equal to 1")
			return &e
		}
	}
	return nil
}

// parseToolConfig reads toolConfig: tools (toolSpec with a name and an
// inputSchema.json) and toolChoice (auto, any or tool). It must be there
// when the conversation has toolUse or toolResult blocks.
func parseToolConfig(o object, req *chatRequest, hasTools bool) *bedrockError {
	raw, ok := o["toolConfig"]
	if !ok {
		if hasTools {
			e := errValidation("The toolConfig field must be defined when using toolUse and toolResult content blocks.")
			return &e
		}
		return nil
	}
	var tc struct {
		Tools []struct {
			ToolSpec *struct {
				Name        string `json:"name"`
				InputSchema struct {
					JSON json.RawMessage `json:"json"`
				} `json:"inputSchema"`
			} `json:"toolSpec"`
		} `json:"tools"`
		ToolChoice map[string]json.RawMessage `json:"toolChoice"`
	}
	if json.Unmarshal(raw, &tc) != nil || len(tc.Tools) == 0 {
		e := errValidation("1 validation error detected: Value at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1")
		return &e
	}
	for i, t := range tc.Tools {
		if t.ToolSpec == nil || t.ToolSpec.Name == "" || t.ToolSpec.InputSchema.JSON == nil {
			e := errValidation("The tool at toolConfig.tools." + strconv.Itoa(i) + " must have a toolSpec with a name and an inputSchema.json.")
			return &e
		}
		req.Tools = append(req.Tools, tool{Name: t.ToolSpec.Name, Parameters: t.ToolSpec.InputSchema.JSON})
	}
	switch {
	case tc.ToolChoice == nil:
	case tc.ToolChoice["auto"] != nil:
		req.ToolChoice = "auto"
	case tc.ToolChoice["any"] != nil:
		req.ToolChoice = "required"
	case tc.ToolChoice["tool"] != nil:
		var t struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(tc.ToolChoice["tool"], &t)
		req.ToolChoice, req.ForcedTool = "function", t.Name
	default:
		e := errValidation("toolConfig.toolChoice must be one of auto, any or tool.")
		return &e
	}
	return nil
}
