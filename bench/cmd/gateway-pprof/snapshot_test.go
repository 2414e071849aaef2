package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A signal on the channel writes the three files of a snapshot, numbered,
// and the JSON holds MemStats from before and after the forced GC.
func TestSnapshotsWriteHeapGoroutinesAndMemStats(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "backstop-held-5")
	sig := make(chan os.Signal)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var stderr bytes.Buffer
	go func() { snapshots(ctx, sig, prefix, io.Writer(&stderr)); close(done) }()
	sig <- syscall.SIGUSR1
	sig <- syscall.SIGUSR1 // returns once the first snapshot is written
	cancel()
	<-done
	if stderr.Len() != 0 {
		t.Fatalf("stderr: %s", stderr.String())
	}
	for _, n := range []string{"1", "2"} {
		b, err := os.ReadFile(prefix + "-mem" + n + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var s memSnapshot
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		if s.Goroutines < 2 || s.After.NumGC <= s.Before.NumGC || s.After.StackInuse == 0 || s.After.HeapAlloc == 0 {
			t.Fatalf("snapshot %s: goroutines %d, GCs %d -> %d, stacks %d, heap %d", n, s.Goroutines, s.Before.NumGC, s.After.NumGC, s.After.StackInuse, s.After.HeapAlloc)
		}
		for _, ext := range []string{".heap", ".goroutine"} {
			fi, err := os.Stat(prefix + "-mem" + n + ext)
			if err != nil || fi.Size() == 0 {
				t.Fatalf("%s%s: %v, %v", n, ext, fi, err)
			}
		}
	}
}
