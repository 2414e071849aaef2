package mock

import (
	"encoding/json"
	"net/http"
)

// A Gemini stream (streamGenerateContent) is a GenerateContentResponse per
// chunk: with alt=sse each is a `data:` event, without it they are the
// elements of one JSON array written as they come ("[", ",\r\n", "]"), as
// Google does. Here a text answer has a chunk per token and a tool call
// one chunk with the whole functionCall; then a last chunk with an empty
// content, the finishReason and the usage. There is no end marker: the
// stream ends with the response. Every chunk is flushed when written.
//
// Faults: TTFT waits before the first chunk; the content chunks are the
// text and call chunks; an in-stream error (OverloadedAfterChunks) is an
// error object in place of a chunk, 503 UNAVAILABLE, and the stream ends
// there; Malformed sends a chunk that is not JSON.

type geminiStreamer struct {
	x     *exchange
	g     *geminiReply
	sse   bool
	first bool // nothing was written yet (array mode)
	sent  int  // content chunks sent so far
}

// write sends one chunk (or error object) and flushes it; false when the
// client is gone.
func (s *geminiStreamer) write(data []byte) bool {
	var buf []byte
	switch {
	case s.sse:
		buf = append(append(append(buf, "data: "...), data...), "\r\n\r\n"...)
	case s.first:
		buf = append(append(buf, '['), data...)
	default:
		buf = append(append(buf, ",\r\n"...), data...)
	}
	s.first = false
	if _, err := s.x.w.Write(buf); err != nil {
		return false
	}
	return s.x.rc.Flush() == nil && s.x.r.Context().Err() == nil
}

func (s *geminiStreamer) chunk(parts []geminiPartJSON, finish string, u *geminiUsageJSON) bool {
	b, _ := json.Marshal(s.g.response(parts, finish, u))
	return s.write(b)
}

// content sends one content chunk, paced and subject to a mid-stream
// fault; false when the stream must end here.
func (s *geminiStreamer) content(p geminiPartJSON) bool {
	f := s.x.fault
	if budget, mid := midFault(f); mid && s.sent == budget {
		s.midFault()
		return false
	}
	if s.sent > 0 && !s.x.sleep(pace(f)) {
		return false
	}
	s.sent++
	return s.chunk([]geminiPartJSON{p}, "", s.g.usage(0))
}

// midFault hangs until the client goes away, cuts the connection, or
// sends an error object in place of the next chunk and ends the stream.
func (s *geminiStreamer) midFault() {
	x := s.x
	switch {
	case x.fault.HangAfterChunks != 0:
		<-x.r.Context().Done()
	case x.fault.OverloadedAfterChunks != 0:
		b, _ := json.Marshal(struct {
			Error *geminiError `json:"error"`
		}{geminiErrorForStatus(http.StatusServiceUnavailable, s.g.Model)})
		s.write(b)
		s.end()
	default:
		x.abort()
	}
}

// end closes the array of a stream without alt=sse.
func (s *geminiStreamer) end() {
	if !s.sse && !s.first {
		_, _ = s.x.w.Write([]byte("]"))
		_ = s.x.rc.Flush()
	}
}

func (x *exchange) streamGemini(g *geminiReply, sse bool) {
	h := x.w.Header()
	if sse {
		h.Set("Content-Type", "text/event-stream")
	} else {
		h.Set("Content-Type", "application/json; charset=UTF-8")
	}
	h.Set("Cache-Control", "no-cache")
	x.w.WriteHeader(http.StatusOK)
	if x.rc.Flush() != nil {
		return
	}
	s := &geminiStreamer{x: x, g: g, sse: sse, first: true}
	f := x.fault
	if f != nil && !x.sleep(f.TTFT.D()) {
		return
	}
	if f != nil && f.Malformed {
		s.write([]byte("{not json"))
		s.end()
		return
	}
	if g.answer.Call != nil {
		if !s.content(g.callPart()) {
			return
		}
	} else {
		for _, piece := range g.answer.Pieces {
			if !s.content(geminiPartJSON{Text: str(piece)}) {
				return
			}
		}
	}
	if _, mid := midFault(f); mid { // the answer was shorter than the budget
		s.midFault()
		return
	}
	if s.chunk(nil, g.finishReason(), g.usage(g.answer.Tokens())) {
		s.end()
	}
}
