package translate

import (
	"encoding/json"
	"fmt"
)

// gmResponse is a GenerateContentResponse: a whole answer, or one chunk of
// a stream.
type gmResponse struct {
	Candidates     []gmCandidate    `json:"candidates,omitempty"`
	PromptFeedback *gmFeedback      `json:"promptFeedback,omitempty"`
	UsageMetadata  *gmUsage         `json:"usageMetadata,omitempty"`
	ModelVersion   string           `json:"modelVersion,omitempty"`
	ResponseID     string           `json:"responseId,omitempty"`
	Error          *json.RawMessage `json:"error,omitempty"`
}

type gmCandidate struct {
	Content      *gmContent `json:"content,omitempty"`
	FinishReason string     `json:"finishReason,omitempty"`
	Index        int        `json:"index"`
}

type gmFeedback struct {
	BlockReason string `json:"blockReason,omitempty"`
}

// gmUsage is usageMetadata. promptTokenCount includes the cached tokens;
// candidatesTokenCount excludes the thinking tokens, which are counted
// apart in thoughtsTokenCount.
type gmUsage struct {
	PromptTokenCount        int `json:"promptTokenCount"`
	CandidatesTokenCount    int `json:"candidatesTokenCount"`
	TotalTokenCount         int `json:"totalTokenCount"`
	CachedContentTokenCount int `json:"cachedContentTokenCount,omitempty"`
	ThoughtsTokenCount      int `json:"thoughtsTokenCount,omitempty"`
}

func (u *gmUsage) canonical() Usage {
	if u == nil {
		return Usage{}
	}
	cached := min(u.CachedContentTokenCount, u.PromptTokenCount)
	return Usage{
		Input:     u.PromptTokenCount - cached,
		CacheRead: cached,
		Output:    u.CandidatesTokenCount + u.ThoughtsTokenCount,
		Reasoning: u.ThoughtsTokenCount,
	}
}

func geminiUsage(u Usage) *gmUsage {
	return &gmUsage{
		PromptTokenCount:        u.Prompt(),
		CandidatesTokenCount:    u.Output - u.Reasoning,
		TotalTokenCount:         u.Prompt() + u.Output,
		CachedContentTokenCount: u.CacheRead,
		ThoughtsTokenCount:      u.Reasoning,
	}
}

// stopOfGemini reads a finishReason. Gemini says STOP for tool calls too;
// the callers, which see the functionCall parts, correct it. Every reason
// that means the answer was blocked is a refusal; MALFORMED_FUNCTION_CALL
// (the model's call could not be parsed, so none is returned) and OTHER
// are a plain end.
func stopOfGemini(s string) StopReason {
	switch s {
	case "STOP":
		return StopEnd
	case "MAX_TOKENS":
		return StopLength
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE",
		"IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION":
		return StopRefusal
	case "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "OTHER", "TOO_MANY_TOOL_CALLS":
		return StopEnd
	}
	return StopUnknown
}

func geminiFinish(s StopReason) string {
	switch s {
	case StopLength:
		return "MAX_TOKENS"
	case StopRefusal:
		return "SAFETY"
	}
	return "STOP"
}

// geminiCallID is the id of the i-th function call of the answer
// respID, for a call that came without one: stable, so that a retried
// translation gives the same id, and unique within the answer.
func geminiCallID(respID string, i int) string {
	if respID == "" {
		return fmt.Sprintf("call_%d", i)
	}
	return syntheticToolID(respID, i)
}

// decodeGeminiResponse reads the first candidate: its text, thoughts (as
// thinking without a signature, which no client dialect passes on) and
// function calls. A prompt blocked before any candidate is a refusal.
func decodeGeminiResponse(body []byte) (*Response, error) {
	var in gmResponse
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%w: Gemini response: %v", ErrMalformed, err)
	}
	resp := &Response{ID: in.ResponseID, Model: in.ModelVersion, Usage: in.UsageMetadata.canonical()}
	if len(in.Candidates) == 0 {
		if in.PromptFeedback == nil || in.PromptFeedback.BlockReason == "" {
			return nil, fmt.Errorf("%w: Gemini response has no candidates", ErrMalformed)
		}
		resp.Stop = StopRefusal
		return resp, nil
	}
	c := in.Candidates[0]
	resp.Stop = stopOfGemini(c.FinishReason)
	calls := 0
	if c.Content != nil {
		for _, p := range c.Content.Parts {
			part, ok := geminiAnswerPart(p, in.ResponseID, &calls)
			if ok {
				resp.Content = append(resp.Content, part)
			}
		}
	}
	if calls > 0 && (resp.Stop == StopEnd || resp.Stop == StopUnknown) {
		resp.Stop = StopToolUse
	}
	return resp, nil
}

// geminiAnswerPart reads one part of an answer; calls counts the function
// calls, for their ids.
func geminiAnswerPart(p gmPart, respID string, calls *int) (Part, bool) {
	switch {
	case p.FunctionCall != nil:
		fc := p.FunctionCall
		id := fc.ID
		if id == "" {
			id = geminiCallID(respID, *calls)
		}
		*calls++
		return Part{Kind: PartToolCall, Call: &ToolCall{ID: id, Name: fc.Name, Input: objectOrEmpty(fc.Args)}}, true
	case p.Text != nil && p.Thought:
		return Part{Kind: PartThinking, Text: *p.Text}, *p.Text != ""
	case p.Text != nil:
		return Part{Kind: PartText, Text: *p.Text}, *p.Text != ""
	}
	return Part{}, false
}

// encodeGeminiResponse writes one candidate with the answer's parts.
func encodeGeminiResponse(resp *Response) ([]byte, error) {
	var parts []gmPart
	for _, p := range resp.Content {
		switch p.Kind {
		case PartText:
			t := p.Text
			parts = append(parts, gmPart{Text: &t})
		case PartThinking:
			if p.Text != "" {
				t := p.Text
				parts = append(parts, gmPart{Text: &t, Thought: true})
			}
		case PartToolCall:
			parts = append(parts, gmPart{FunctionCall: &gmFunctionCall{ID: p.Call.ID, Name: p.Call.Name, Args: objectOrEmpty(p.Call.Input)}})
		}
	}
	if parts == nil {
		parts = []gmPart{}
	}
	out := gmResponse{
		Candidates:    []gmCandidate{{Content: &gmContent{Role: "model", Parts: parts}, FinishReason: geminiFinish(resp.Stop)}},
		UsageMetadata: geminiUsage(resp.Usage),
		ModelVersion:  resp.Model,
		ResponseID:    resp.ID,
	}
	return marshal(out)
}
