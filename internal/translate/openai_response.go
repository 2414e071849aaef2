package translate

import (
	"encoding/json"
	"fmt"
)

// oaUsage is OpenAI's usage object, read and written.
type oaUsage struct {
	PromptTokens            int                `json:"prompt_tokens"`
	CompletionTokens        int                `json:"completion_tokens"`
	TotalTokens             int                `json:"total_tokens"`
	PromptTokensDetails     *oaPromptDetails   `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *oaCompleteDetails `json:"completion_tokens_details,omitempty"`
}

type oaPromptDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

type oaCompleteDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
}

func (u *oaUsage) canonical() Usage {
	if u == nil {
		return Usage{}
	}
	out := Usage{Input: u.PromptTokens, Output: u.CompletionTokens}
	if d := u.PromptTokensDetails; d != nil {
		out.CacheRead = min(d.CachedTokens, u.PromptTokens)
		out.Input -= out.CacheRead
	}
	if d := u.CompletionTokensDetails; d != nil {
		out.Reasoning = d.ReasoningTokens
	}
	return out
}

func openAIUsage(u Usage) *oaUsage {
	out := &oaUsage{
		PromptTokens:        u.Prompt(),
		CompletionTokens:    u.Output,
		TotalTokens:         u.Prompt() + u.Output,
		PromptTokensDetails: &oaPromptDetails{CachedTokens: u.CacheRead},
	}
	if u.Reasoning > 0 {
		out.CompletionTokensDetails = &oaCompleteDetails{ReasoningTokens: u.Reasoning}
	}
	return out
}

func openAIFinish(s StopReason) string {
	switch s {
	case StopLength:
		return "length"
	case StopToolUse:
		return "tool_calls"
	case StopRefusal:
		return "content_filter"
	}
	return "stop"
}

// stopOfOpenAI reads a finish_reason. OpenAI-compatible servers that call
// tools but say "stop" (some Ollama versions) are corrected by the
// callers, which know whether tool calls came.
func stopOfOpenAI(s string) StopReason {
	switch s {
	case "stop":
		return StopEnd
	case "length":
		return StopLength
	case "tool_calls", "function_call":
		return StopToolUse
	case "content_filter":
		return StopRefusal
	}
	return StopUnknown
}

type oaResponse struct {
	ID      string `json:"id"`
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content   *string      `json:"content"`
			Refusal   *string      `json:"refusal"`
			ToolCalls []oaToolCall `json:"tool_calls"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *oaUsage `json:"usage"`
}

// decodeOpenAIResponse reads a chat completion's first choice: its text,
// its refusal (as text, with the refusal stop reason) and its tool calls.
func decodeOpenAIResponse(body []byte) (*Response, error) {
	var in oaResponse
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%w: OpenAI chat completion: %v", ErrMalformed, err)
	}
	if len(in.Choices) == 0 {
		return nil, fmt.Errorf("%w: OpenAI chat completion has no choices", ErrMalformed)
	}
	c := in.Choices[0]
	resp := &Response{ID: in.ID, Model: in.Model, Stop: stopOfOpenAI(c.FinishReason), Usage: in.Usage.canonical()}
	if t := c.Message.Content; t != nil && *t != "" {
		resp.Content = append(resp.Content, Part{Kind: PartText, Text: *t})
	}
	if r := c.Message.Refusal; r != nil && *r != "" {
		resp.Content = append(resp.Content, Part{Kind: PartText, Text: *r})
		resp.Stop = StopRefusal
	}
	for _, tc := range c.Message.ToolCalls {
		call := &ToolCall{ID: tc.ID, Name: tc.Function.Name, Input: objectOrEmpty([]byte(tc.Function.Arguments))}
		resp.Content = append(resp.Content, Part{Kind: PartToolCall, Call: call})
	}
	if len(c.Message.ToolCalls) > 0 && (resp.Stop == StopEnd || resp.Stop == StopUnknown) {
		resp.Stop = StopToolUse
	}
	fillToolIDs(resp.ID, resp.Content)
	return resp, nil
}

// fillToolIDs gives an id to the tool calls that came without one (some
// OpenAI-compatible servers omit it), made from the response id so that
// it is stable.
func fillToolIDs(respID string, parts []Part) {
	for i, p := range parts {
		if p.Kind == PartToolCall && p.Call.ID == "" {
			p.Call.ID = syntheticToolID(respID, i)
		}
	}
}

func syntheticToolID(respID string, i int) string {
	return fmt.Sprintf("call_%s_%d", sanitizeID(respID), i)
}

// sanitizeID keeps the characters every dialect accepts in an id.
func sanitizeID(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

type oaResponseOut struct {
	ID      string     `json:"id"`
	Object  string     `json:"object"`
	Created int64      `json:"created"`
	Model   string     `json:"model"`
	Choices []oaChoice `json:"choices"`
	Usage   *oaUsage   `json:"usage"`
}

type oaChoice struct {
	Index        int             `json:"index"`
	Message      oaAnswerMessage `json:"message"`
	Logprobs     *struct{}       `json:"logprobs"`
	FinishReason string          `json:"finish_reason"`
}

type oaAnswerMessage struct {
	Role      string          `json:"role"`
	Content   *string         `json:"content"`
	Refusal   *string         `json:"refusal"`
	ToolCalls []oaToolCallOut `json:"tool_calls,omitempty"`
}

// encodeOpenAIResponse writes a chat completion with one choice. Text
// blocks are concatenated; thinking is dropped (its tokens stay counted in
// completion_tokens). Content is null only when the answer is tool calls
// alone.
func encodeOpenAIResponse(resp *Response) ([]byte, error) {
	msg, ok := openAIAssistant(resp.Content)
	answer := oaAnswerMessage{Role: "assistant", ToolCalls: msg.ToolCalls}
	if s, isText := msg.Content.(string); isText {
		answer.Content = &s
	} else if !ok || len(msg.ToolCalls) == 0 {
		empty := ""
		answer.Content = &empty
	}
	out := oaResponseOut{
		ID:      resp.ID,
		Object:  "chat.completion",
		Created: now().Unix(),
		Model:   resp.Model,
		Choices: []oaChoice{{Message: answer, FinishReason: openAIFinish(resp.Stop)}},
		Usage:   openAIUsage(resp.Usage),
	}
	return marshal(out)
}
