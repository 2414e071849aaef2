package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogWriterBatchesAndFlushesOnClose(t *testing.T) {
	var out syncBuffer
	// An interval no test waits for: only Close may write here.
	l := newLogWriter(&out, time.Hour)
	var want strings.Builder
	for i := 0; i < 100; i++ {
		line := strings.Repeat("x", i) + "\n"
		want.WriteString(line)
		if _, err := l.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if out.String() != "" {
		t.Fatal("lines were written before the flush")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if out.String() != want.String() || out.writes != 1 {
		t.Fatalf("%d writes; output equal to input: %v", out.writes, out.String() == want.String())
	}
}
