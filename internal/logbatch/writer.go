// Package logbatch batches log lines, so that a busy gateway makes one
// write system call per batch instead of one per request.
package logbatch

import (
	"bufio"
	"io"
	"sync"
	"time"

	"github.com/backstophq/backstop/internal/clock"
)

// Writer buffers what is written to it and writes it out one interval
// after the first unwritten line, or as soon as its buffer fills. Lines
// are never reordered, and Close writes out what is left.
//
// Its timer runs only while something waits in the buffer: an idle
// gateway is not woken ten times a second to flush nothing (a ticker
// cost each idle process about 10 wake-ups a second, and each wake-up
// on a quiet VM costs more than a request's own logging).
type Writer struct {
	clock    clock.Clock
	interval time.Duration

	mu     sync.Mutex
	w      *bufio.Writer
	timer  clock.Timer // made on the first write, then Reset
	armed  bool        // timer will flush what is buffered
	closed bool        // writes go straight out
}

// New returns a Writer to out that flushes interval after the first
// buffered line, timed by c.
func New(out io.Writer, c clock.Clock, interval time.Duration) *Writer {
	return &Writer{clock: c, interval: interval, w: bufio.NewWriterSize(out, 64<<10)}
}

// Write buffers p. After Close it writes p out at once.
func (l *Writer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.w.Write(p)
	if err != nil {
		return n, err
	}
	switch {
	case l.closed:
		err = l.w.Flush()
	case l.armed || l.w.Buffered() == 0:
	case l.timer == nil:
		l.armed = true
		l.timer = l.clock.AfterFunc(l.interval, l.flush)
	default:
		l.armed = true
		l.timer.Reset(l.interval)
	}
	return n, err
}

// flush is the timer's: it writes out what is buffered and disarms.
func (l *Writer) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.armed = false
	_ = l.w.Flush()
}

// Close stops the timer and writes out what is buffered; later writes
// are not buffered.
func (l *Writer) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.timer != nil {
		l.timer.Stop()
	}
	l.armed = false
	return l.w.Flush()
}
