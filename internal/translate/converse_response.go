package translate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
)

// cvUsage is Converse's TokenUsage. inputTokens excludes the cached
// tokens, which are counted apart, as in the canonical Usage.
type cvUsage struct {
	InputTokens           int `json:"inputTokens"`
	OutputTokens          int `json:"outputTokens"`
	TotalTokens           int `json:"totalTokens"`
	CacheReadInputTokens  int `json:"cacheReadInputTokens,omitempty"`
	CacheWriteInputTokens int `json:"cacheWriteInputTokens,omitempty"`
}

func (u *cvUsage) canonical() Usage {
	if u == nil {
		return Usage{}
	}
	return Usage{Input: u.InputTokens, Output: u.OutputTokens, CacheRead: u.CacheReadInputTokens, CacheWrite: u.CacheWriteInputTokens}
}

func converseUsage(u Usage) cvUsage {
	return cvUsage{
		InputTokens:           u.Input,
		OutputTokens:          u.Output,
		TotalTokens:           u.Prompt() + u.Output,
		CacheReadInputTokens:  u.CacheRead,
		CacheWriteInputTokens: u.CacheWrite,
	}
}

// stopOfConverse reads a stopReason. Guardrails and content filters are
// refusals; the context window is a length stop, as for Anthropic. A
// malformed model output or tool use ends the turn: what came is passed on
// as the answer, and an agent loop sees no tool call to run.
func stopOfConverse(s string) StopReason {
	switch s {
	case "end_turn", "malformed_model_output", "malformed_tool_use":
		return StopEnd
	case "tool_use":
		return StopToolUse
	case "max_tokens", "model_context_window_exceeded":
		return StopLength
	case "stop_sequence":
		return StopSequence
	case "guardrail_intervened", "content_filtered":
		return StopRefusal
	}
	return StopUnknown
}

func converseStop(s StopReason) string {
	switch s {
	case StopToolUse:
		return "tool_use"
	case StopLength:
		return "max_tokens"
	case StopSequence:
		return "stop_sequence"
	case StopRefusal:
		return "content_filtered"
	}
	return "end_turn"
}

// stopSequenceOf reads the matched stop sequence that Anthropic models on
// Bedrock report in additionalModelResponseFields.
func stopSequenceOf(fields json.RawMessage) string {
	var in struct {
		StopSequence string `json:"stop_sequence"`
	}
	if isNull(fields) || json.Unmarshal(fields, &in) != nil {
		return ""
	}
	return in.StopSequence
}

type cvResponseIn struct {
	Output *struct {
		Message *struct {
			Role    string      `json:"role"`
			Content []cvBlockIn `json:"content"`
		} `json:"message"`
	} `json:"output"`
	StopReason                    string          `json:"stopReason"`
	Usage                         *cvUsage        `json:"usage"`
	AdditionalModelResponseFields json.RawMessage `json:"additionalModelResponseFields"`
}

// decodeConverseResponse reads a Converse answer: text, tool uses and
// reasoning; other blocks (citations, images) are skipped. Converse gives
// no id: the answer gets one made from a hash of its body, stable for
// tests and distinct between answers.
func decodeConverseResponse(body []byte) (*Response, error) {
	var in cvResponseIn
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%w: Converse answer: %v", ErrMalformed, err)
	}
	if in.Output == nil || in.Output.Message == nil {
		return nil, fmt.Errorf("%w: Converse answer has no output message", ErrMalformed)
	}
	sum := sha256.Sum256(body)
	resp := &Response{
		ID:           "bedrock-" + hex.EncodeToString(sum[:12]),
		Stop:         stopOfConverse(in.StopReason),
		StopSequence: stopSequenceOf(in.AdditionalModelResponseFields),
		Usage:        in.Usage.canonical(),
	}
	for _, b := range in.Output.Message.Content {
		part, ok, err := decodeConverseBlock(&b, "content")
		if err != nil || !ok || part.Kind == PartToolResult {
			continue // what a request could not hold is no less skipped in an answer
		}
		resp.Content = append(resp.Content, part)
	}
	fillToolIDs(resp.ID, resp.Content)
	return resp, nil
}

type cvResponseOut struct {
	Output struct {
		Message cvMessage `json:"message"`
	} `json:"output"`
	StopReason string  `json:"stopReason"`
	Usage      cvUsage `json:"usage"`
	Metrics    struct {
		LatencyMs int `json:"latencyMs"`
	} `json:"metrics"`
	AdditionalModelResponseFields *cvStopSequence `json:"additionalModelResponseFields,omitempty"`
}

// cvStopSequence is where Anthropic models on Bedrock say which stop
// sequence matched.
type cvStopSequence struct {
	StopSequence string `json:"stop_sequence"`
}

// encodeConverseResponse writes a Converse answer. Its latency is not
// known here and is written as 0.
func encodeConverseResponse(resp *Response) ([]byte, error) {
	var out cvResponseOut
	out.Output.Message.Role = "assistant"
	out.Output.Message.Content = []cvBlock{}
	docs := 0
	for i, p := range resp.Content {
		b, ok, err := converseBlock(p, fmt.Sprintf("content[%d]", i), &docs)
		if err == nil && ok {
			out.Output.Message.Content = append(out.Output.Message.Content, b)
		}
	}
	stop := resp.Stop
	if stop == StopUnknown && slices.ContainsFunc(resp.Content, func(p Part) bool { return p.Kind == PartToolCall }) {
		stop = StopToolUse // a provider that gave no reason called tools
	}
	out.StopReason = converseStop(stop)
	out.Usage = converseUsage(resp.Usage)
	if resp.StopSequence != "" {
		out.AdditionalModelResponseFields = &cvStopSequence{StopSequence: resp.StopSequence}
	}
	return marshal(out)
}
