package bedrock

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/backstophq/backstop/internal/anthropic"
	"github.com/backstophq/backstop/internal/jsonscan"
)

// StreamKind says which API an event stream answers, and so how its
// events are re-framed (see the package comment).
type StreamKind uint8

const (
	// ConverseStream is ConverseStream's answer: one named event per
	// message.
	ConverseStream StreamKind = iota + 1
	// InvokeStream is InvokeModelWithResponseStream's answer for an
	// Anthropic model: base64 Anthropic events in "chunk" messages.
	InvokeStream
)

// MaxMessage bounds one event-stream message. Bedrock's are a few hundred
// bytes; a larger one is treated as a broken stream rather than buffered.
const MaxMessage = 4 << 20

// The parts of a message that are not headers or payload: the prelude
// (total length, headers length, prelude CRC) and the message CRC.
const (
	preludeLen  = 12
	overheadLen = preludeLen + 4
)

// FrameError is an event stream that is not one, or not Bedrock's: a bad
// length, a checksum mismatch, a header that does not decode, a chunk
// without its bytes. A stream cut short is io.ErrUnexpectedEOF instead.
type FrameError struct {
	Err error
}

func (e *FrameError) Error() string { return "bedrock event stream: " + e.Err.Error() }

func (e *FrameError) Unwrap() error { return e.Err }

func frameErrorf(format string, a ...any) *FrameError {
	return &FrameError{Err: fmt.Errorf(format, a...)}
}

// Reframer reads an AWS event stream and yields it as server-sent events,
// one SSE event per message, by the package comment's contract. It decodes
// lazily: each Read decodes at most the messages needed to fill it, so a
// message is passed on as soon as it has arrived whole. It holds one
// message and its SSE form at a time.
//
// Read returns io.EOF when the stream ended between two messages,
// io.ErrUnexpectedEOF when it ended inside one, a *FrameError when a
// message is broken, and the source's own read errors as they are. Errors
// are sticky.
type Reframer struct {
	src     io.Reader
	kind    StreamKind
	dec     *eventstream.Decoder
	raw     bytes.Reader
	frame   []byte // the message being decoded
	payload []byte // its payload, reused by the decoder
	out     []byte // SSE bytes made and not yet read: out[off:]
	off     int
	err     error
}

// NewReframer returns a Reframer reading the event stream src of kind.
func NewReframer(src io.Reader, kind StreamKind) *Reframer {
	return &Reframer{src: src, kind: kind, dec: eventstream.NewDecoder()}
}

// Read reads SSE bytes.
func (r *Reframer) Read(p []byte) (int, error) {
	for r.off == len(r.out) {
		if r.err != nil {
			return 0, r.err
		}
		r.out, r.off = r.out[:0], 0
		r.err = r.next()
	}
	n := copy(p, r.out[r.off:])
	r.off += n
	return n, nil
}

// next reads one message and appends its SSE form to r.out (nothing, for
// a message the contract ignores).
func (r *Reframer) next() error {
	r.frame = r.frame[:0]
	var prelude [preludeLen]byte
	if _, err := io.ReadFull(r.src, prelude[:]); err != nil {
		return err // io.EOF between messages, io.ErrUnexpectedEOF inside one
	}
	total := binary.BigEndian.Uint32(prelude[0:4])
	headers := binary.BigEndian.Uint32(prelude[4:8])
	switch {
	case total < overheadLen || total > MaxMessage:
		return frameErrorf("message length %d is not within %d-%d", total, overheadLen, MaxMessage)
	case headers > total-overheadLen:
		return frameErrorf("headers length %d does not fit in a message of %d bytes", headers, total)
	}
	if cap(r.frame) < int(total) {
		r.frame = make([]byte, 0, total)
	}
	r.frame = append(r.frame[:0], prelude[:]...)[:total]
	if _, err := io.ReadFull(r.src, r.frame[preludeLen:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	r.raw.Reset(r.frame)
	m, err := r.dec.Decode(&r.raw, r.payload[:0])
	if err != nil {
		return &FrameError{Err: err}
	}
	r.payload = m.Payload
	return r.reframe(m)
}

// reframe appends the SSE form of message m to r.out.
func (r *Reframer) reframe(m eventstream.Message) error {
	switch typ := header(m.Headers, ":message-type"); typ {
	case "event":
		name := header(m.Headers, ":event-type")
		if r.kind == ConverseStream {
			return r.event(name, m.Payload)
		}
		if name != "chunk" {
			return nil // not documented for Invoke streams: ignored (§0)
		}
		return r.chunk(m.Payload)
	case "exception":
		return r.exception(header(m.Headers, ":exception-type"), m.Payload, "")
	case "error":
		// A service error without a modelled exception: its code and
		// message come in headers.
		return r.exception(header(m.Headers, ":error-code"), nil, header(m.Headers, ":error-message"))
	case "":
		return frameErrorf("message without a :message-type header")
	default:
		return nil // a message type from a newer protocol: ignored
	}
}

// chunk re-frames an Invoke stream's chunk, {"bytes":"<base64>"} (and
// maybe a padding "p"), as the Anthropic event it carries.
func (r *Reframer) chunk(payload []byte) error {
	var c struct {
		Bytes []byte `json:"bytes"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return frameErrorf("chunk payload: %v", err)
	}
	if len(c.Bytes) == 0 || !json.Valid(c.Bytes) {
		return frameErrorf("chunk of %d bytes is not a JSON event", len(c.Bytes))
	}
	var name string
	jsonscan.Members(c.Bytes, func(key []byte, start, end int) bool {
		if string(key) == "type" {
			name, _ = jsonscan.String(c.Bytes[start:end])
			return false
		}
		return true
	})
	if name == "" {
		return frameErrorf("chunk event without a type")
	}
	return r.event(name, c.Bytes)
}

// exception re-frames an exception message: an event named by the
// exception, its payload with the name added as "__type" (so that a
// reader of the data alone knows the exception), on a Converse stream; an
// Anthropic error event of the matching type on an Invoke stream. message
// is used when the payload has none.
func (r *Reframer) exception(name string, payload []byte, message string) error {
	e, ok := LookupException(name)
	if !ok {
		e = Exception{Name: "InternalServerException", Status: 500}
	}
	var body struct {
		Message string `json:"message"`
	}
	if len(payload) > 0 && json.Unmarshal(payload, &body) == nil && body.Message != "" {
		message = body.Message
	}
	if message == "" {
		message = e.Name
	}
	if r.kind == InvokeStream {
		data, _ := json.Marshal(anthropicErrorEvent{Type: "error", Error: anthropicErrorBody{Type: anthropic.TypeForStatus(e.Status), Message: message}})
		return r.event("error", data)
	}
	streamName := e.StreamName()
	if ok {
		streamName = name // as the provider wrote it
	}
	data, _ := json.Marshal(exceptionEvent{Type: streamName, Message: message})
	return r.event(streamName, data)
}

type anthropicErrorEvent struct {
	Type  string             `json:"type"`
	Error anthropicErrorBody `json:"error"`
}

type anthropicErrorBody struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// exceptionEvent is a Converse stream exception's data.
type exceptionEvent struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// event appends "event: name" and data, one data: line per line of it.
func (r *Reframer) event(name string, data []byte) error {
	if name == "" || !printable(name) {
		return frameErrorf("event name %q cannot be an SSE event name", name)
	}
	r.out = append(r.out, "event: "...)
	r.out = append(r.out, name...)
	r.out = append(r.out, '\n')
	for {
		line := data
		i := bytes.IndexAny(data, "\r\n")
		if i >= 0 {
			line = data[:i]
		}
		r.out = append(r.out, "data: "...)
		r.out = append(r.out, line...)
		r.out = append(r.out, '\n')
		if i < 0 {
			break
		}
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	r.out = append(r.out, '\n')
	return nil
}

// printable reports whether s has no control characters, which would end
// or split an SSE line.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// header is the string value of the header name, or "".
func header(hs eventstream.Headers, name string) string {
	for _, h := range hs {
		if h.Name == name {
			if v, ok := h.Value.(eventstream.StringValue); ok {
				return string(v)
			}
			return ""
		}
	}
	return ""
}
