package logbatch

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/clock"
)

type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	wrote  chan struct{} // receives after each write
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{wrote: make(chan struct{}, 16)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	n, err := s.b.Write(p)
	s.wrote <- struct{}{}
	return n, err
}

func (s *syncBuffer) state() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String(), s.writes
}

var start = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func TestWriterBatchesAndFlushesOnClose(t *testing.T) {
	out := newSyncBuffer()
	// The clock never moves: only Close may write here.
	l := New(out, clock.NewFake(start), 100*time.Millisecond)
	var want strings.Builder
	for i := 0; i < 100; i++ {
		line := strings.Repeat("x", i) + "\n"
		want.WriteString(line)
		if _, err := l.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := out.state(); got != "" {
		t.Fatal("lines were written before the flush")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got, writes := out.state(); got != want.String() || writes != 1 {
		t.Fatalf("%d writes; output equal to input: %v", writes, got == want.String())
	}
}

// An idle writer holds no timer; the first line arms one, which flushes
// every line written meanwhile in one write and disarms.
func TestWriterTimerRunsOnlyWhileLinesWait(t *testing.T) {
	out := newSyncBuffer()
	c := clock.NewFake(start)
	l := New(out, c, 100*time.Millisecond)
	defer l.Close()
	if c.Pending() != 0 {
		t.Fatal("an idle writer has a timer")
	}
	for round := 1; round <= 2; round++ {
		for i := 0; i < 3; i++ {
			if _, err := l.Write([]byte("line\n")); err != nil {
				t.Fatal(err)
			}
		}
		if n := c.Pending(); n != 1 {
			t.Fatalf("round %d: %d timers pending with lines buffered, want 1", round, n)
		}
		c.Advance(99 * time.Millisecond)
		if _, writes := out.state(); writes != round-1 {
			t.Fatalf("round %d: flushed before the interval", round)
		}
		c.Advance(time.Millisecond)
		<-out.wrote
		got, writes := out.state()
		if writes != round || got != strings.Repeat("line\n", 3*round) {
			t.Fatalf("round %d: %d writes, output %q", round, writes, got)
		}
		if c.Pending() != 0 {
			t.Fatalf("round %d: a timer is left after the flush", round)
		}
	}
}

func TestWriterWritesThroughAfterClose(t *testing.T) {
	out := newSyncBuffer()
	c := clock.NewFake(start)
	l := New(out, c, time.Hour)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Write([]byte("late\n")); err != nil {
		t.Fatal(err)
	}
	if got, _ := out.state(); got != "late\n" {
		t.Fatalf("output %q after Close", got)
	}
	if c.Pending() != 0 {
		t.Fatal("a closed writer armed its timer")
	}
}
