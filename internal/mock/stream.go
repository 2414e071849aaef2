package mock

import (
	"encoding/json"
	"net/http"
)

// A stream is, per wire-formats.md §1: for each choice a role chunk
// (delta{role:"assistant",content:""}) and its content chunks (one per text
// token; for a tool call a header fragment then argument fragments); then
// one finish chunk per choice (delta:{} and finish_reason); then, with
// stream_options.include_usage, a usage chunk with "choices":[]; then
// `data: [DONE]`. Every event is flushed as soon as it is written.

type chunkJSON struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Created           int64             `json:"created"`
	Model             string            `json:"model"`
	ServiceTier       string            `json:"service_tier"`
	SystemFingerprint string            `json:"system_fingerprint"`
	Choices           []chunkChoiceJSON `json:"choices"`
	// Usage is omitted without include_usage; with it, null on every chunk
	// but the usage chunk, as OpenAI does.
	Usage json.RawMessage `json:"usage,omitempty"`
}

type chunkChoiceJSON struct {
	Index        int       `json:"index"`
	Delta        deltaJSON `json:"delta"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
}

type deltaJSON struct {
	Role      string          `json:"role,omitempty"`
	Content   *string         `json:"content,omitempty"`
	Refusal   json.RawMessage `json:"refusal,omitempty"`
	ToolCalls []toolCallJSON  `json:"tool_calls,omitempty"`
}

var jsonNull = json.RawMessage("null")

// streamer writes one stream's events.
type streamer struct {
	x     *exchange
	c     *completion
	usage bool
	sent  int // content chunks sent so far
}

// event writes one `data:` event and flushes it; false when the client is
// gone.
func (s *streamer) event(data []byte) bool {
	buf := make([]byte, 0, len(data)+8)
	buf = append(append(append(buf, "data: "...), data...), "\n\n"...)
	if _, err := s.x.w.Write(buf); err != nil {
		return false
	}
	return s.x.rc.Flush() == nil && s.x.r.Context().Err() == nil
}

func (s *streamer) chunk(choices []chunkChoiceJSON, usage json.RawMessage) bool {
	c := chunkJSON{
		ID: s.c.ID, Object: "chat.completion.chunk", Created: s.c.Created, Model: s.c.Model,
		ServiceTier: "default", SystemFingerprint: s.c.Fingerprint, Choices: choices,
	}
	if s.usage {
		c.Usage = jsonNull
		if usage != nil {
			c.Usage = usage
		}
	}
	b, _ := json.Marshal(c)
	return s.event(b)
}

func (s *streamer) delta(i int, d deltaJSON) bool {
	return s.chunk([]chunkChoiceJSON{{Index: i, Delta: d}}, nil)
}

// content sends one content chunk, paced and subject to a mid-stream
// fault; false when the stream must end here.
func (s *streamer) content(i int, d deltaJSON) bool {
	f := s.x.fault
	if budget, mid := midFault(f); mid && s.sent == budget {
		s.x.midStreamFault()
		return false
	}
	if s.sent > 0 && !s.x.sleep(pace(f)) {
		return false
	}
	s.sent++
	return s.delta(i, d)
}

func midFault(f *Fault) (int, bool) {
	if f == nil {
		return 0, false
	}
	return f.afterChunks()
}

// midStreamFault hangs until the client goes away, cuts the connection, or
// sends an error event and lets the stream end there, without [DONE].
func (x *exchange) midStreamFault() {
	switch {
	case x.fault.HangAfterChunks != 0:
		<-x.r.Context().Done()
	case x.fault.OverloadedAfterChunks != 0:
		body, _ := json.Marshal(struct {
			Error *apiError `json:"error"`
		}{errorForStatus(http.StatusServiceUnavailable, "")})
		_, _ = x.w.Write(append(append([]byte("data: "), body...), "\n\n"...))
		_ = x.rc.Flush()
	default:
		x.abort()
	}
}

func (x *exchange) stream(req *chatRequest, c *completion) {
	h := x.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	x.w.WriteHeader(http.StatusOK)
	if x.rc.Flush() != nil {
		return
	}
	s := &streamer{x: x, c: c, usage: req.IncludeUsage}
	f := x.fault
	if f != nil && !x.sleep(f.TTFT.D()) {
		return
	}
	empty := ""
	for i, a := range c.Choices {
		if !s.delta(i, deltaJSON{Role: "assistant", Content: &empty, Refusal: jsonNull}) {
			return
		}
		if f != nil && f.Malformed {
			s.event([]byte("{not json"))
			s.event([]byte("[DONE]"))
			return
		}
		if !s.choice(i, a) {
			return
		}
	}
	if _, mid := midFault(f); mid { // the answer was shorter than the budget
		x.midStreamFault()
		return
	}
	for i, a := range c.Choices {
		finish := a.Finish
		if !s.chunk([]chunkChoiceJSON{{Index: i, Delta: deltaJSON{}, FinishReason: &finish}}, nil) {
			return
		}
	}
	if req.IncludeUsage {
		u, _ := json.Marshal(c.usage())
		if !s.chunk([]chunkChoiceJSON{}, u) {
			return
		}
	}
	s.event([]byte("[DONE]"))
}

// choice sends one choice's content chunks.
func (s *streamer) choice(i int, a answer) bool {
	if a.Call == nil {
		for _, piece := range a.Pieces {
			if !s.content(i, deltaJSON{Content: &piece}) {
				return false
			}
		}
		return true
	}
	zero := 0
	head := toolCallJSON{Index: &zero, ID: a.Call.ID, Type: "function", Function: functionJSON{Name: a.Call.Name}}
	if !s.content(i, deltaJSON{ToolCalls: []toolCallJSON{head}}) {
		return false
	}
	for _, frag := range a.Call.Args {
		if !s.content(i, deltaJSON{ToolCalls: []toolCallJSON{{Index: &zero, Function: functionJSON{Arguments: frag}}}}) {
			return false
		}
	}
	return true
}
