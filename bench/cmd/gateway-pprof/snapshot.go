package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
)

// snapshots writes a memory snapshot for each signal on sig, until ctx
// ends: prefix-mem<N>.heap (inuse_space and inuse_objects, after a GC so
// that it counts only live objects), prefix-mem<N>.goroutine (every
// goroutine's stack, grouped) and prefix-mem<N>.json (runtime.MemStats
// and the goroutine count, taken before the GC so that HeapInuse still
// shows the headroom the collector was running with). Held streams are
// measured from these: stacks = StackInuse, live heap = HeapAlloc after
// the GC, headroom = the rest of the process's RSS.
func snapshots(ctx context.Context, sig <-chan os.Signal, prefix string, stderr io.Writer) {
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-sig:
		}
		if err := snapshot(prefix + "-mem" + strconv.Itoa(n)); err != nil {
			fmt.Fprintln(stderr, "gateway-pprof: snapshot:", err)
		}
	}
}

// memSnapshot is the JSON half of a snapshot.
type memSnapshot struct {
	Goroutines int              `json:"goroutines"`
	Before     runtime.MemStats `json:"before_gc"`
	After      runtime.MemStats `json:"after_gc"`
}

func snapshot(prefix string) error {
	var s memSnapshot
	s.Goroutines = runtime.NumGoroutine()
	runtime.ReadMemStats(&s.Before)
	runtime.GC()
	runtime.ReadMemStats(&s.After)
	for _, p := range []struct{ name, ext string }{{"heap", ".heap"}, {"goroutine", ".goroutine"}} {
		f, err := os.Create(prefix + p.ext)
		if err != nil {
			return err
		}
		err = pprof.Lookup(p.name).WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(prefix+".json", b, 0o644)
}
