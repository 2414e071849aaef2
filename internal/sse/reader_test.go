package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type got struct {
	raw, name, data string
	hasData         bool
}

func readAll(t *testing.T, r io.Reader) ([]got, error) {
	t.Helper()
	rd := NewReader(r)
	var out []got
	for {
		ev, err := rd.Next()
		if err != nil {
			return out, err
		}
		out = append(out, got{string(ev.Raw), string(ev.Name), string(ev.Data), ev.HasData})
	}
}

func TestReaderEvents(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []got
		err  error
	}{
		{
			name: "openai chunks and done",
			in:   "data: {\"a\":1}\n\ndata: [DONE]\n\n",
			want: []got{
				{"data: {\"a\":1}\n\n", "", `{"a":1}`, true},
				{"data: [DONE]\n\n", "", "[DONE]", true},
			},
			err: io.EOF,
		},
		{
			name: "anthropic named events with crlf",
			in:   "event: ping\r\ndata: {\"type\":\"ping\"}\r\n\r\n",
			want: []got{{"event: ping\r\ndata: {\"type\":\"ping\"}\r\n\r\n", "ping", `{"type":"ping"}`, true}},
			err:  io.EOF,
		},
		{
			name: "lone cr line endings",
			in:   "data: x\r\rdata: y\r\r",
			want: []got{{"data: x\r\r", "", "x", true}, {"data: y\r\r", "", "y", true}},
			err:  io.EOF,
		},
		{
			name: "multi-line data and comments",
			in:   ": keep-alive\ndata: one\ndata: two\nid: 7\nretry: 10\n\n",
			want: []got{{": keep-alive\ndata: one\ndata: two\nid: 7\nretry: 10\n\n", "", "one\ntwo", true}},
			err:  io.EOF,
		},
		{
			name: "comment only event has no data",
			in:   ": ping\n\n",
			want: []got{{": ping\n\n", "", "", false}},
			err:  io.EOF,
		},
		{
			name: "no space after colon and empty data",
			in:   "data:x\n\ndata:\n\n",
			want: []got{{"data:x\n\n", "", "x", true}, {"data:\n\n", "", "", true}},
			err:  io.EOF,
		},
		{
			name: "leading blank lines are skipped",
			in:   "\n\n\ndata: a\n\n",
			want: []got{{"data: a\n\n", "", "a", true}},
			err:  io.EOF,
		},
		{
			name: "cut inside an event",
			in:   "data: a\n\ndata: {\"partial\"",
			want: []got{{"data: a\n\n", "", "a", true}},
			err:  io.ErrUnexpectedEOF,
		},
		{
			name: "cut after a complete line but before the blank line",
			in:   "data: a\n",
			err:  io.ErrUnexpectedEOF,
		},
		{
			name: "empty stream",
			in:   "",
			err:  io.EOF,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte at a time too, so that "\r\n" split across reads
			// is covered.
			for _, r := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
				evs, err := readAll(t, r)
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if len(evs) != len(tt.want) {
					t.Fatalf("got %d events %+v, want %d %+v", len(evs), evs, len(tt.want), tt.want)
				}
				for i := range evs {
					if evs[i] != tt.want[i] {
						t.Errorf("event %d = %+v, want %+v", i, evs[i], tt.want[i])
					}
				}
			}
		})
	}
}

func TestReaderRefusesHugeEvents(t *testing.T) {
	in := "data: " + strings.Repeat("x", 100) + "\n\n"
	rd := NewReaderSize(strings.NewReader(in), 64)
	if _, err := rd.Next(); !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("err = %v, want ErrEventTooLarge", err)
	}
	in = strings.Repeat("data: x\n", 20) + "\n"
	rd = NewReaderSize(strings.NewReader(in), 64)
	if _, err := rd.Next(); !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("many lines: err = %v, want ErrEventTooLarge", err)
	}
}

func TestReaderPassesReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom))
	rd := NewReader(r)
	if ev, err := rd.Next(); err != nil || string(ev.Data) != "a" {
		t.Fatalf("first event = %q, %v", ev.Data, err)
	}
	if _, err := rd.Next(); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
}

// FuzzReader checks that the reader never panics, that the raw bytes of
// the events it returns are exactly a prefix of the input (minus skipped
// blank lines), and that splitting reads differently never changes the
// result.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n",
		"event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n",
		": ping\n\n",
		"data: a\r\rdata: b\r\n\r\n",
		"data: x\ndata: y\n\n\n\n",
		"event:e\nid:1\nretry:5\ndata\n\n",
		"data: partial",
		"\r\n\r\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		a := collect(NewReaderSize(bytes.NewReader(in), 1<<16))
		b := collect(NewReaderSize(iotest.OneByteReader(bytes.NewReader(in)), 1<<16))
		if len(a.events) != len(b.events) || !errors.Is(a.err, b.err) && a.err.Error() != b.err.Error() {
			t.Fatalf("whole reads gave %d events (%v), byte reads %d (%v)", len(a.events), a.err, len(b.events), b.err)
		}
		var joined []byte
		for i := range a.events {
			if a.events[i] != b.events[i] {
				t.Fatalf("event %d differs: %q vs %q", i, a.events[i], b.events[i])
			}
			joined = append(joined, a.raw[i]...)
		}
		if len(joined) > len(in) {
			t.Fatalf("events hold %d bytes, input has %d", len(joined), len(in))
		}
	})
}

type collected struct {
	events []string
	raw    []string
	err    error
}

func collect(rd *Reader) collected {
	var c collected
	for {
		ev, err := rd.Next()
		if err != nil {
			c.err = err
			return c
		}
		c.events = append(c.events, string(ev.Raw)+"|"+string(ev.Name)+"|"+string(ev.Data))
		c.raw = append(c.raw, string(ev.Raw))
	}
}

func TestReaderReadsEventsLongerThanItsBuffer(t *testing.T) {
	long := strings.Repeat("x", 5*readBuffer+17)
	in := "data: " + long + "\r\n\r\ndata: short\n\n"
	rd := NewReader(strings.NewReader(in))
	ev, err := rd.Next()
	if err != nil || string(ev.Data) != long || string(ev.Raw) != "data: "+long+"\r\n\r\n" {
		t.Fatalf("long event: %d bytes of data, err %v", len(ev.Data), err)
	}
	if ev, err := rd.Next(); err != nil || string(ev.Data) != "short" {
		t.Fatalf("next event %q, %v", ev.Data, err)
	}
}

func TestReadyMeansNextWillNotBlock(t *testing.T) {
	pr, pw := io.Pipe()
	rd := NewReader(pr)
	go func() {
		_, _ = pw.Write([]byte("data: a\n\ndata: b\n\ndata: par"))
	}()
	if ev, err := rd.Next(); err != nil || string(ev.Data) != "a" {
		t.Fatalf("first: %q %v", ev.Data, err)
	}
	if !rd.Ready() {
		t.Fatal("b is buffered but Ready is false")
	}
	if ev, err := rd.Next(); err != nil || string(ev.Data) != "b" {
		t.Fatalf("second: %q %v", ev.Data, err)
	}
	if rd.Ready() {
		t.Fatal("only part of an event is buffered but Ready is true")
	}
	go func() {
		_, _ = pw.Write([]byte("t\r\n\r\n"))
		pw.Close()
	}()
	if ev, err := rd.Next(); err != nil || string(ev.Data) != "part" {
		t.Fatalf("third: %q %v", ev.Data, err)
	}
}
