package translate

import (
	"encoding/json"
	"fmt"
)

// anUsage is Anthropic's usage object. Pointers tell a field that is
// absent from one that is 0: in a stream's message_delta only the fields
// present replace what message_start said.
type anUsage struct {
	InputTokens              *int `json:"input_tokens"`
	CacheCreationInputTokens *int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     *int `json:"cache_read_input_tokens"`
	OutputTokens             *int `json:"output_tokens"`
}

// apply sets the fields of u that are present on top of base.
func (u *anUsage) apply(base Usage) Usage {
	if u == nil {
		return base
	}
	set := func(dst *int, src *int) {
		if src != nil {
			*dst = *src
		}
	}
	set(&base.Input, u.InputTokens)
	set(&base.CacheWrite, u.CacheCreationInputTokens)
	set(&base.CacheRead, u.CacheReadInputTokens)
	set(&base.Output, u.OutputTokens)
	return base
}

// anUsageOut is Anthropic's usage as this package writes it: every field
// present.
type anUsageOut struct {
	InputTokens              int `json:"input_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
	OutputTokens             int `json:"output_tokens"`
}

func anthropicUsage(u Usage) anUsageOut {
	return anUsageOut{InputTokens: u.Input, CacheCreationInputTokens: u.CacheWrite, CacheReadInputTokens: u.CacheRead, OutputTokens: u.Output}
}

func anthropicStop(s StopReason) string {
	switch s {
	case StopSequence:
		return "stop_sequence"
	case StopLength:
		return "max_tokens"
	case StopToolUse:
		return "tool_use"
	case StopRefusal:
		return "refusal"
	case StopPause:
		return "pause_turn"
	}
	return "end_turn"
}

func stopOfAnthropic(s string) StopReason {
	switch s {
	case "end_turn":
		return StopEnd
	case "stop_sequence":
		return StopSequence
	case "max_tokens", "model_context_window_exceeded":
		return StopLength
	case "tool_use":
		return StopToolUse
	case "refusal":
		return StopRefusal
	case "pause_turn":
		return StopPause
	}
	return StopUnknown
}

type anResponseIn struct {
	ID           string      `json:"id"`
	Type         string      `json:"type"`
	Model        string      `json:"model"`
	Content      []anBlockIn `json:"content"`
	StopReason   string      `json:"stop_reason"`
	StopSequence *string     `json:"stop_sequence"`
	Usage        *anUsage    `json:"usage"`
}

// decodeAnthropicResponse reads a message: text, tool calls and thinking
// blocks; blocks of Anthropic's server tools are skipped.
func decodeAnthropicResponse(body []byte) (*Response, error) {
	var in anResponseIn
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%w: Anthropic message: %v", ErrMalformed, err)
	}
	if in.Type != "message" {
		return nil, fmt.Errorf("%w: Anthropic answer of type %q, not a message", ErrMalformed, in.Type)
	}
	resp := &Response{ID: in.ID, Model: in.Model, Stop: stopOfAnthropic(in.StopReason), Usage: in.Usage.apply(Usage{})}
	if in.StopSequence != nil {
		resp.StopSequence = *in.StopSequence
	}
	for _, b := range in.Content {
		part, ok, err := decodeAnthropicBlock(b, "content")
		if err != nil || !ok {
			continue // a block that could not be a request's is no less an answer's: skip it
		}
		resp.Content = append(resp.Content, part)
	}
	return resp, nil
}

type anResponseOut struct {
	ID           string     `json:"id"`
	Type         string     `json:"type"`
	Role         string     `json:"role"`
	Model        string     `json:"model"`
	Content      []anBlock  `json:"content"`
	StopReason   string     `json:"stop_reason"`
	StopSequence *string    `json:"stop_sequence"`
	Usage        anUsageOut `json:"usage"`
}

// encodeAnthropicResponse writes a message. Tool inputs are objects
// ({} when the provider's arguments were not a JSON object).
func encodeAnthropicResponse(resp *Response) ([]byte, error) {
	out := anResponseOut{
		ID:         resp.ID,
		Type:       "message",
		Role:       "assistant",
		Model:      resp.Model,
		Content:    anthropicBlocks(resp.Content),
		StopReason: anthropicStop(resp.Stop),
		Usage:      anthropicUsage(resp.Usage),
	}
	if resp.StopSequence != "" {
		out.StopSequence = &resp.StopSequence
	}
	return marshal(out)
}
