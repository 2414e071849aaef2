package filewatch

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A file replaced by rename calls back once per content change; an
// unchanged rewrite does not; a force value always does.
func TestWatchRenameAndForce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	if err := os.WriteFile(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := New(path, slog.New(slog.DiscardHandler))
	calls := make(chan string, 16)
	force := make(chan os.Signal, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx, force, func() {
			b, _ := os.ReadFile(path)
			calls <- string(b)
		})
	}()
	defer func() { cancel(); <-done }()
	replace := func(text string) {
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	next := func() string {
		select {
		case s := <-calls:
			return s
		case <-time.After(10 * time.Second):
			t.Fatal("no callback")
			return ""
		}
	}
	replace("two")
	if got := next(); got != "two" {
		t.Fatalf("callback read %q, want two", got)
	}
	replace("two") // same content: no callback
	replace("three")
	if got := next(); got != "three" {
		t.Fatalf("callback read %q, want three (an unchanged rewrite called back)", got)
	}
	force <- os.Interrupt
	if got := next(); got != "three" {
		t.Fatalf("forced callback read %q", got)
	}
}
