package mock

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/backstophq/backstop/internal/bedrock"
)

// Bedrock streams are AWS event streams (wire-formats.md §3), written with
// aws-sdk-go-v2's encoder, one message per event, each flushed as soon as
// it is written. A fault inside the stream is an exception message.

// eventStreamWriter writes one event stream.
type eventStreamWriter struct {
	x     *exchange
	enc   *eventstream.Encoder
	start time.Time
}

// startEventStream sends the headers of an event stream; nil when the
// client is gone.
func (x *exchange) startEventStream() *eventStreamWriter {
	h := x.w.Header()
	h.Set("Content-Type", "application/vnd.amazon.eventstream")
	x.w.WriteHeader(http.StatusOK)
	if x.rc.Flush() != nil {
		return nil
	}
	return &eventStreamWriter{x: x, enc: eventstream.NewEncoder(), start: x.p.sim.opts.Clock.Now()}
}

// send writes one message and flushes it; false when the client is gone.
func (w *eventStreamWriter) send(m eventstream.Message) bool {
	if w.enc.Encode(w.x.w, m) != nil {
		return false
	}
	return w.x.rc.Flush() == nil && w.x.r.Context().Err() == nil
}

// chunk sends one Anthropic event of an Invoke stream.
func (w *eventStreamWriter) chunk(event []byte) bool { return w.send(bedrock.ChunkMessage(event)) }

// event sends one Converse event.
func (w *eventStreamWriter) event(name string, v any) bool {
	b, _ := json.Marshal(v)
	return w.send(bedrock.EventMessage(name, b))
}

// elapsed is the time since the stream began, in milliseconds, for
// Bedrock's latency metrics.
func (w *eventStreamWriter) elapsed() int64 {
	return w.x.p.sim.opts.Clock.Now().Sub(w.start).Milliseconds()
}

// midFault hangs until the client goes away, cuts the connection, or sends
// the fault's exception (ServiceUnavailableException by default) and ends
// the stream there.
func (w *eventStreamWriter) midFault() {
	f := w.x.fault
	switch {
	case f.HangAfterChunks != 0:
		<-w.x.r.Context().Done()
	case f.OverloadedAfterChunks != 0:
		e := f.bedrockException(streamOverloaded)
		w.send(bedrock.ExceptionMessage(e, bedrockMessages[e.Name]))
	default:
		w.x.abort()
	}
}

// converseStreamer writes a ConverseStream answer's events.
type converseStreamer struct {
	es   *eventStreamWriter
	sent int // content events sent so far
}

// content sends one content event, paced and subject to a mid-stream
// fault; false when the stream must end here.
func (s *converseStreamer) content(name string, v any) bool {
	x := s.es.x
	if budget, mid := midFault(x.fault); mid && s.sent == budget {
		s.es.midFault()
		return false
	}
	if s.sent > 0 && !x.sleep(pace(x.fault)) {
		return false
	}
	s.sent++
	return s.es.event(name, v)
}

type converseIndex struct {
	Index int `json:"contentBlockIndex"`
}

type converseDeltaEvent struct {
	Index int           `json:"contentBlockIndex"`
	Delta converseDelta `json:"delta"`
}

type converseDelta struct {
	Text    *string            `json:"text,omitempty"`
	ToolUse *converseToolDelta `json:"toolUse,omitempty"`
}

type converseToolDelta struct {
	Input string `json:"input"`
}

type converseStartEvent struct {
	Index int `json:"contentBlockIndex"`
	Start struct {
		ToolUse converseToolStart `json:"toolUse"`
	} `json:"start"`
}

type converseToolStart struct {
	ToolUseID string `json:"toolUseId"`
	Name      string `json:"name"`
}

// converseStream sends a ConverseStream answer: messageStart; for a text
// answer a contentBlockDelta per token, for a tool call a contentBlockStart
// and a delta per argument fragment (all content events); then
// contentBlockStop, messageStop with the stop reason, and metadata with
// the usage, last.
func (x *exchange) converseStream(c *converseReply) {
	es := x.startEventStream()
	if es == nil {
		return
	}
	f := x.fault
	if f != nil && !x.sleep(f.TTFT.D()) {
		return
	}
	s := &converseStreamer{es: es}
	if !es.event("messageStart", struct {
		Role string `json:"role"`
	}{"assistant"}) {
		return
	}
	if f != nil && f.Malformed {
		es.send(bedrock.EventMessage("contentBlockDelta", []byte("{not json")))
		return
	}
	a := c.answer
	if a.Call != nil {
		start := converseStartEvent{}
		start.Start.ToolUse = converseToolStart{ToolUseID: c.toolUseID(), Name: a.Call.Name}
		if !s.content("contentBlockStart", start) {
			return
		}
		for _, frag := range a.Call.Args {
			if !s.content("contentBlockDelta", converseDeltaEvent{Delta: converseDelta{ToolUse: &converseToolDelta{frag}}}) {
				return
			}
		}
	} else {
		for _, piece := range a.Pieces {
			if !s.content("contentBlockDelta", converseDeltaEvent{Delta: converseDelta{Text: &piece}}) {
				return
			}
		}
	}
	if _, mid := midFault(f); mid { // the answer was shorter than the budget
		es.midFault()
		return
	}
	if (a.Call != nil || len(a.Pieces) > 0) && !es.event("contentBlockStop", converseIndex{0}) {
		return
	}
	if !es.event("messageStop", struct {
		StopReason string `json:"stopReason"`
	}{c.stopReason()}) {
		return
	}
	es.event("metadata", struct {
		Usage   converseUsageJSON   `json:"usage"`
		Metrics converseMetricsJSON `json:"metrics"`
	}{c.usage(), converseMetricsJSON{es.elapsed()}})
}
