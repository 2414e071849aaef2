package anthropic

import "encoding/json"

// Answer is a message that the gateway writes itself, such as a route's
// polite on_exhausted message.
type Answer struct {
	ID      string // "msg_…"
	Model   string
	Content string
}

type message struct {
	ID           string      `json:"id"`
	Type         string      `json:"type"`
	Role         string      `json:"role"`
	Model        string      `json:"model"`
	Content      []textBlock `json:"content"`
	StopReason   *string     `json:"stop_reason"`
	StopSequence *string     `json:"stop_sequence"`
	Usage        usage       `json:"usage"`
}

type textBlock struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type usage struct {
	InputTokens              int `json:"input_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
	OutputTokens             int `json:"output_tokens"`
}

// Message returns the answer as a message object: one text block,
// stop_reason end_turn, usage all zeros (no model was run).
func (a Answer) Message() []byte {
	stop := "end_turn"
	b, _ := json.Marshal(message{
		ID: a.ID, Type: "message", Role: "assistant", Model: a.Model,
		Content: []textBlock{{Type: "text", Text: a.Content}}, StopReason: &stop,
	})
	return b
}

// Stream returns the answer as a complete SSE stream, in the documented
// order, every event with its event: line: message_start,
// content_block_start, one content_block_delta with the whole text,
// content_block_stop, message_delta (stop_reason end_turn), message_stop.
func (a Answer) Stream() []byte {
	var out []byte
	event := func(name string, v any) {
		b, _ := json.Marshal(v)
		out = append(out, "event: "...)
		out = append(out, name...)
		out = append(out, "\ndata: "...)
		out = append(out, b...)
		out = append(out, "\n\n"...)
	}
	stop := "end_turn"
	event(EventMessageStart, messageStart{EventMessageStart,
		message{ID: a.ID, Type: "message", Role: "assistant", Model: a.Model, Content: []textBlock{}}})
	event(EventContentBlockStart, blockStart{EventContentBlockStart, 0, textBlock{Type: "text"}})
	event(EventContentBlockDelta, blockDelta{EventContentBlockDelta, 0, textBlock{"text_delta", a.Content}})
	event(EventContentBlockStop, blockStop{EventContentBlockStop, 0})
	event(EventMessageDelta, messageDelta{Type: EventMessageDelta, Delta: stopDelta{StopReason: &stop}})
	event(EventMessageStop, typed{EventMessageStop})
	return out
}

type messageStart struct {
	Type    string  `json:"type"`
	Message message `json:"message"`
}

type blockStart struct {
	Type         string    `json:"type"`
	Index        int       `json:"index"`
	ContentBlock textBlock `json:"content_block"`
}

type blockDelta struct {
	Type  string    `json:"type"`
	Index int       `json:"index"`
	Delta textBlock `json:"delta"` // a text_delta has the shape of a text block
}

type blockStop struct {
	Type  string `json:"type"`
	Index int    `json:"index"`
}

// typed is an event whose data is its type alone, such as message_stop.
type typed struct {
	Type string `json:"type"`
}

type messageDelta struct {
	Type  string    `json:"type"`
	Delta stopDelta `json:"delta"`
	Usage struct {
		OutputTokens int `json:"output_tokens"`
	} `json:"usage"`
}

type stopDelta struct {
	StopReason   *string `json:"stop_reason"`
	StopSequence *string `json:"stop_sequence"`
}

// MessageID makes a message id from a request id (which the gateway has
// already checked to be printable ASCII).
func MessageID(requestID string) string { return "msg_" + requestID }
