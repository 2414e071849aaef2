// Package sse reads Server-Sent Events the way the WHATWG spec and the
// providers' SDKs do: events end at a blank line, lines end with "\n",
// "\r\n" or "\r", lines that start with ":" are comments, and unknown
// fields are ignored.
//
// The reader keeps each event's raw bytes, so a gateway can relay an event
// exactly as it came without re-encoding it, and its data, so it can look
// inside when it must.
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxEventSize bounds one event's raw size unless the caller sets
// another; a provider that streams a larger event is treated as broken.
const DefaultMaxEventSize = 4 << 20

// readBuffer is the reader's buffer. Events are usually a few hundred
// bytes; a longer line is still read whole (it is appended to the event
// in pieces), so the buffer only has to be large enough to make reads
// cheap, and small enough that thousands of open streams cost little
// memory. Reading from an HTTP response body does not need it for fewer
// system calls (the transport's connection already reads through its own
// buffer), so 1 KB is enough: it holds several events, which lets Ready
// see a burst.
const readBuffer = 1 << 10

// ErrEventTooLarge is returned when an event exceeds the reader's limit.
var ErrEventTooLarge = errors.New("sse: event too large")

// Event is one server-sent event.
//
// Its slices alias the Reader's buffers: they are valid until the next
// call to Next.
type Event struct {
	// Raw is the event as received, from its first line up to and
	// including the blank line that ended it.
	Raw []byte
	// Name is the value of the event's "event:" field, or nil.
	Name []byte
	// Data is the event's "data:" lines joined with "\n"; nil when the
	// event had no data field (for example a comment-only keep-alive).
	Data []byte
	// HasData reports whether the event had at least one data field (an
	// empty "data:" line counts).
	HasData bool
}

// Reader reads events from a stream.
type Reader struct {
	r    *bufio.Reader
	max  int
	raw  []byte
	data []byte
	name []byte
}

// NewReader returns a reader over r that refuses events larger than
// DefaultMaxEventSize.
func NewReader(r io.Reader) *Reader {
	return NewReaderSize(r, DefaultMaxEventSize)
}

// NewReaderSize returns a reader over r that refuses events larger than max
// bytes.
func NewReaderSize(r io.Reader, max int) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, readBuffer), max: max}
}

// Next returns the next event. At the end of the stream it returns io.EOF
// when the stream ended on an event boundary, and io.ErrUnexpectedEOF when
// it ended inside an event (the partial event is dropped, as the spec
// says). Other read errors are returned as they are.
func (rd *Reader) Next() (Event, error) {
	rd.raw = rd.raw[:0]
	rd.data = rd.data[:0]
	rd.name = rd.name[:0]
	hasData, hasName := false, false
	for {
		start := len(rd.raw)
		if err := rd.readLine(); err != nil {
			if err == io.EOF && start > 0 {
				return Event{}, io.ErrUnexpectedEOF
			}
			return Event{}, err
		}
		content := trimEOL(rd.raw[start:])
		if len(content) == 0 {
			if start == 0 {
				// A stray blank line between events: nothing to dispatch.
				rd.raw = rd.raw[:0]
				continue
			}
			ev := Event{Raw: rd.raw, HasData: hasData}
			if hasData {
				ev.Data = rd.data
			}
			if hasName {
				ev.Name = rd.name
			}
			return ev, nil
		}
		field, value := splitField(content)
		switch string(field) {
		case "data":
			if hasData {
				rd.data = append(rd.data, '\n')
			}
			rd.data = append(rd.data, value...)
			hasData = true
		case "event":
			rd.name = append(rd.name[:0], value...)
			hasName = true
		}
	}
}

// Ready reports whether a whole event is already buffered, so that Next
// will return it without reading. A relay uses it to write a burst of
// events and flush once, without ever holding back an event for data
// that has not come.
func (rd *Reader) Ready() bool {
	buf, _ := rd.r.Peek(rd.r.Buffered())
	return bytes.Contains(buf, []byte("\n\n")) || bytes.Contains(buf, []byte("\r\n\r\n")) || bytes.Contains(buf, []byte("\r\r"))
}

// readLine appends the next line, with its end-of-line bytes, to rd.raw.
// A line may end in "\n", "\r\n" or a lone "\r". A line cut by the end of
// the stream gives io.ErrUnexpectedEOF.
func (rd *Reader) readLine() error {
	start := len(rd.raw)
	for {
		if len(rd.raw) > rd.max {
			return fmt.Errorf("%w: over %d bytes", ErrEventTooLarge, rd.max)
		}
		buf, _ := rd.r.Peek(rd.r.Buffered())
		if len(buf) == 0 {
			if _, err := rd.r.Peek(1); err != nil {
				if len(rd.raw) > start && err == io.EOF {
					return io.ErrUnexpectedEOF
				}
				return err
			}
			continue
		}
		i := bytes.IndexAny(buf, "\r\n")
		if i < 0 {
			rd.raw = append(rd.raw, buf...)
			_, _ = rd.r.Discard(len(buf))
			continue
		}
		rd.raw = append(rd.raw, buf[:i+1]...)
		_, _ = rd.r.Discard(i + 1)
		if buf[i] == '\r' {
			// A "\n" may follow in bytes not yet read. Wait for one more
			// byte to tell "\r\n" from a lone "\r", so that an event's raw
			// bytes are never split. (A stream that ends its lines with a
			// lone "\r" therefore sees each line one byte late; no
			// provider sends those.)
			if next, err := rd.r.Peek(1); err == nil && next[0] == '\n' {
				rd.raw = append(rd.raw, '\n')
				_, _ = rd.r.Discard(1)
			}
		}
		if len(rd.raw) > rd.max {
			return fmt.Errorf("%w: over %d bytes", ErrEventTooLarge, rd.max)
		}
		return nil
	}
}

// trimEOL drops the line's end-of-line bytes.
func trimEOL(line []byte) []byte {
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	return line
}

// splitField splits "name: value" into its name and value; one space
// after the colon is dropped, as the spec says. A comment line (":…")
// gives an empty name.
func splitField(line []byte) (field, value []byte) {
	i := bytes.IndexByte(line, ':')
	if i < 0 {
		return line, nil
	}
	field, value = line[:i], line[i+1:]
	if len(value) > 0 && value[0] == ' ' {
		value = value[1:]
	}
	return field, value
}
