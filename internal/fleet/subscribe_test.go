package fleet

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/redistest"
)

// offers collects what a subscriber delivers.
func offers() (Offer, <-chan *Table) {
	ch := make(chan *Table, 64)
	return func(raw []byte, _ string) {
		if t, err := Decode(raw); err == nil {
			ch <- t
		}
	}, ch
}

func await(t *testing.T, ch <-chan *Table, version uint64) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case tb := <-ch:
			if tb.Version == version {
				return
			}
		case <-deadline:
			t.Fatalf("version %d was not delivered", version)
		}
	}
}

func table(t *testing.T, v uint64) []byte {
	t.Helper()
	b, err := Encode(&Table{Version: v, Routes: map[string]map[string]Entry{}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A table stored while the subscription was down (its message lost) is
// read when it resubscribes.
func TestRedisSubscriberFullReadOnResubscribe(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	keys := NewKeys("sub")
	offer, got := offers()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		NewRedisSubscriber(rdb, keys, clock.Real{}, slog.New(slog.DiscardHandler), offer).Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	// Published after the subscription is confirmed: wait for a receiver.
	for n := int64(0); n == 0; {
		n, _ = rdb.Publish(ctx, keys.Channel, table(t, 1)).Result()
		time.Sleep(10 * time.Millisecond)
	}
	await(t, got, 1)
	// Version 2 is stored without a message (as if published while the
	// subscriber was away), then the subscriber's connection drops.
	if err := rdb.Set(ctx, keys.Table, table(t, 2), 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	await(t, got, 2)
	// Redis restarts: the subscriber reconnects and gets what follows.
	srv.Stop()
	srv.Start()
	for n := int64(0); n == 0; {
		n, _ = rdb.Publish(ctx, keys.Channel, table(t, 3)).Result()
		time.Sleep(10 * time.Millisecond)
	}
	await(t, got, 3)
}

// A table file mounted from a ConfigMap is read at start and after each
// "..data" swap.
func TestFileSubscriberConfigMapSwap(t *testing.T) {
	dir := t.TempDir()
	n := 0
	publish := func(b []byte) {
		n++
		ts := filepath.Join(dir, "..2026_11_22_v"+strconv.Itoa(n))
		if err := os.Mkdir(ts, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ts, "table.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(filepath.Base(ts), tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	publish(table(t, 1))
	path := filepath.Join(dir, "table.json")
	if err := os.Symlink(filepath.Join("..data", "table.json"), path); err != nil {
		t.Fatal(err)
	}
	offer, got := offers()
	ctx, cancel := context.WithCancel(context.Background())
	sub := NewFileSubscriber(path, slog.New(slog.DiscardHandler), offer)
	done := make(chan struct{})
	go func() { defer close(done); sub.Run(ctx) }()
	defer func() { cancel(); <-done }()
	await(t, got, 1)
	publish(table(t, 2))
	await(t, got, 2)
	// The file sink's atomic replace is seen too.
	plain := filepath.Join(t.TempDir(), "table.json")
	offer2, got2 := offers()
	sub2 := NewFileSubscriber(plain, slog.New(slog.DiscardHandler), offer2)
	done2 := make(chan struct{})
	go func() { defer close(done2); sub2.Run(ctx) }()
	defer func() { cancel(); <-done2 }()
	if err := (FilePublisher{Path: plain}).Publish(ctx, 5, table(t, 5)); err != nil {
		t.Fatal(err)
	}
	await(t, got2, 5)
	if err := (FilePublisher{Path: plain}).Publish(ctx, 4, table(t, 4)); err == nil {
		t.Error("the file sink wrote an older version over a newer one")
	}
}

// Each replica's hash is replaced whole and expires; the checker merges
// them per target.
func TestAggregatesMergeAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	keys := NewKeys("agg")
	c := clock.NewFake(t0)
	w1, w2 := health.NewWindow(c, 10*time.Second, 10), health.NewWindow(c, 10*time.Second, 10)
	for range 3 {
		w1.Record(health.Outcome{Success: true, Counted: true, Latency: 100 * time.Millisecond})
	}
	w2.Record(health.Outcome{Counted: true})
	for i, w := range []*health.Window{w1, w2} {
		p := NewPusher(rdb, keys, "gw-"+strconv.Itoa(i), time.Second, c, slog.New(slog.DiscardHandler), func() map[string]health.Sketch {
			return map[string]health.Sketch{"ta": w.Sketch()}
		})
		if err := p.Push(ctx); err != nil {
			t.Fatal(err)
		}
		if err := p.Push(ctx); err != nil { // a repeated push does not double-count
			t.Fatal(err)
		}
	}
	got, err := FleetSketches(ctx, rdb, keys)
	if err != nil {
		t.Fatal(err)
	}
	s := got["ta"]
	st := s.Stats()
	if st.Requests != 4 || st.Failures != 1 || st.Latency.Count != 3 {
		t.Errorf("merged = %+v", st)
	}
	if ttl, _ := rdb.PTTL(ctx, keys.AggPrefix+"gw-0").Result(); ttl <= 0 || ttl > 3*time.Second {
		t.Errorf("replica hash ttl = %v, want (0, 3s]", ttl)
	}
}
