package mock

import (
	"encoding/json"
	"net/http"
)

// An Anthropic stream is, per wire-formats.md §2, events each with its
// event: line and a data JSON of the same "type": message_start (usage
// input_tokens, output_tokens 1), ping, then the answer's one block:
// content_block_start, its content_block_delta events (a text_delta per
// text token; for a tool_use an input_json_delta per argument fragment),
// content_block_stop; then message_delta (stop_reason, cumulative usage
// output_tokens) and message_stop. An answer that a prefill already ends
// has no block. Every event is flushed as soon as it is written.

// messageStreamer writes one stream's events.
type messageStreamer struct {
	x    *exchange
	sent int // content events sent so far
	// es, for Bedrock's InvokeModelWithResponseStream, sends each event as
	// an event-stream chunk instead of an SSE event.
	es *eventStreamWriter
}

// event writes one event and flushes it; false when the client is gone.
func (s *messageStreamer) event(name string, data []byte) bool {
	if s.es != nil {
		return s.es.chunk(data)
	}
	buf := make([]byte, 0, len(name)+len(data)+16)
	buf = append(append(append(append(append(buf, "event: "...), name...), "\ndata: "...), data...), "\n\n"...)
	if _, err := s.x.w.Write(buf); err != nil {
		return false
	}
	return s.x.rc.Flush() == nil && s.x.r.Context().Err() == nil
}

func (s *messageStreamer) send(name string, v any) bool {
	b, _ := json.Marshal(v)
	return s.event(name, b)
}

// content sends one content event, paced and subject to a mid-stream
// fault; false when the stream must end here.
func (s *messageStreamer) content(name string, v any) bool {
	f := s.x.fault
	if budget, mid := midFault(f); mid && s.sent == budget {
		s.midFault()
		return false
	}
	if s.sent > 0 && !s.x.sleep(pace(f)) {
		return false
	}
	s.sent++
	return s.send(name, v)
}

// midFault is the stream's mid-answer fault, in its framing.
func (s *messageStreamer) midFault() {
	if s.es != nil {
		s.es.midFault()
		return
	}
	s.x.midMessageFault()
}

// midMessageFault hangs until the client goes away, cuts the connection,
// or reports overloaded_error in an error event and lets the stream end
// there, without message_stop.
func (x *exchange) midMessageFault() {
	switch {
	case x.fault.HangAfterChunks != 0:
		<-x.r.Context().Done()
	case x.fault.OverloadedAfterChunks != 0:
		s := &messageStreamer{x: x}
		s.send("error", struct {
			Type      string          `json:"type"`
			Error     *anthropicError `json:"error"`
			RequestID string          `json:"request_id"`
		}{"error", errOverloaded(529), x.w.Header().Get("Request-Id")})
	default:
		x.abort()
	}
}

type typedJSON struct {
	Type string `json:"type"`
}

type messageStartJSON struct {
	Type    string               `json:"type"`
	Message anthropicMessageJSON `json:"message"`
}

type blockStartJSON struct {
	Type         string           `json:"type"`
	Index        int              `json:"index"`
	ContentBlock contentBlockJSON `json:"content_block"`
}

type blockDeltaJSON struct {
	Type  string         `json:"type"`
	Index int            `json:"index"`
	Delta blockDeltaBody `json:"delta"`
}

type blockDeltaBody struct {
	Type        string  `json:"type"`
	Text        *string `json:"text,omitempty"`
	PartialJSON *string `json:"partial_json,omitempty"`
}

type blockStopJSON struct {
	Type  string `json:"type"`
	Index int    `json:"index"`
}

type messageDeltaJSON struct {
	Type  string `json:"type"`
	Delta struct {
		StopReason   string  `json:"stop_reason"`
		StopSequence *string `json:"stop_sequence"`
	} `json:"delta"`
	Usage struct {
		OutputTokens int `json:"output_tokens"`
	} `json:"usage"`
}

func (x *exchange) streamMessage(m *reply) {
	h := x.w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	x.w.WriteHeader(http.StatusOK)
	if x.rc.Flush() != nil {
		return
	}
	x.messageEvents(&messageStreamer{x: x}, m)
}

// messageEvents sends a Messages stream's events through s, after the
// response headers. A Bedrock Invoke stream has no ping.
func (x *exchange) messageEvents(s *messageStreamer, m *reply) {
	f := x.fault
	if f != nil && !x.sleep(f.TTFT.D()) {
		return
	}
	start := m.envelope()
	start.Usage.OutputTokens = 1
	if !s.send("message_start", messageStartJSON{"message_start", start}) || s.es == nil && !s.send("ping", typedJSON{"ping"}) {
		return
	}
	if f != nil && f.Malformed {
		s.event("content_block_delta", []byte("{not json"))
		s.send("message_stop", typedJSON{"message_stop"})
		return
	}
	a := m.answer
	if !s.block(a) {
		return
	}
	if _, mid := midFault(f); mid { // the answer was shorter than the budget
		s.midFault()
		return
	}
	if (a.Call != nil || len(a.Pieces) > 0) && !s.send("content_block_stop", blockStopJSON{"content_block_stop", 0}) {
		return
	}
	end := messageDeltaJSON{Type: "message_delta"}
	end.Delta.StopReason = m.stopReason()
	end.Usage.OutputTokens = a.Tokens()
	if s.send("message_delta", end) {
		s.send("message_stop", s.stop(m))
	}
}

// stop is the message_stop event: on Bedrock, with its invocation
// metrics, as Bedrock adds them.
func (s *messageStreamer) stop(m *reply) any {
	if s.es == nil {
		return typedJSON{"message_stop"}
	}
	type metrics struct {
		Input   int   `json:"inputTokenCount"`
		Output  int   `json:"outputTokenCount"`
		Latency int64 `json:"invocationLatency"`
		First   int64 `json:"firstByteLatency"`
	}
	return struct {
		Type    string  `json:"type"`
		Metrics metrics `json:"amazon-bedrock-invocationMetrics"`
	}{"message_stop", metrics{Input: m.Input, Output: m.answer.Tokens(), Latency: s.es.elapsed(), First: s.es.elapsed()}}
}

// block sends the answer's block up to its stop: a tool_use's start (a
// content event, as the OpenAI side's tool call header is a content chunk)
// and its input fragments, or a text block's start and its tokens.
func (s *messageStreamer) block(a answer) bool {
	if a.Call != nil {
		start := contentBlockJSON{Type: "tool_use", ID: a.Call.ID, Name: a.Call.Name, Input: json.RawMessage("{}")}
		if !s.content("content_block_start", blockStartJSON{"content_block_start", 0, start}) {
			return false
		}
		for _, frag := range a.Call.Args {
			d := blockDeltaBody{Type: "input_json_delta", PartialJSON: &frag}
			if !s.content("content_block_delta", blockDeltaJSON{"content_block_delta", 0, d}) {
				return false
			}
		}
		return true
	}
	if len(a.Pieces) == 0 {
		return true
	}
	if !s.send("content_block_start", blockStartJSON{"content_block_start", 0, contentBlockJSON{Type: "text", Text: str("")}}) {
		return false
	}
	for _, piece := range a.Pieces {
		d := blockDeltaBody{Type: "text_delta", Text: &piece}
		if !s.content("content_block_delta", blockDeltaJSON{"content_block_delta", 0, d}) {
			return false
		}
	}
	return true
}
