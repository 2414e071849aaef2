package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/backstophq/backstop/bench/load"
)

// heldTokens is the length of a held stream: at 1 token per second it
// outlasts any run, and the harness ends it.
const heldTokens = 600

// HeldResult is scenario 3: many slow streams held open at once, and the
// gateway process's resident memory per stream.
type HeldResult struct {
	TokensPerSecond float64   `json:"tokens_per_second"`
	Rows            []HeldRow `json:"rows"`
}

// HeldRow is one gateway holding one number of streams, in a fresh
// process.
type HeldRow struct {
	Gateway string `json:"gateway"`
	Streams int    `json:"streams"`
	Skipped string `json:"skipped,omitempty"`
	// Opened streams reached their first content chunk; Failed never did;
	// Dropped ended while held.
	Opened  int            `json:"opened"`
	Failed  int            `json:"failed"`
	Dropped int            `json:"dropped"`
	Errors  map[string]int `json:"errors,omitempty"`
	// OpenSeconds is the time until every stream had opened or failed.
	OpenSeconds float64 `json:"open_s"`
	// IdleRSS is the process's lowest VmRSS after start and a warm-up,
	// before any held stream; LoadedRSS the highest seen while they were
	// all held; PerStream is (LoadedRSS - IdleRSS) / Opened. Lowest and
	// highest make the figure per stream an upper bound.
	IdleRSS   int64   `json:"idle_rss_bytes"`
	LoadedRSS int64   `json:"loaded_rss_bytes"`
	PerStream float64 `json:"rss_per_stream_bytes"`
}

func (h *harness) held(ctx context.Context) (*HeldResult, error) {
	res := &HeldResult{TokensPerSecond: h.set.HeldTPS}
	for _, nf := range h.set.Held {
		n := int(nf)
		h.logf("scenario 3: %d held streams through backstop", n)
		bs, err := h.startBackstop(fmt.Sprintf("held-%d", n))
		if err != nil {
			return nil, err
		}
		row, err := h.hold(ctx, "backstop", bs, backstopEndpoint(bs, routeHeld), backstopEndpoint(bs, routeStream), n)
		bs.Stop(10 * time.Second)
		if err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, row)

		pk, why := h.startPortkey(fmt.Sprintf("held-%d", n))
		if pk == nil {
			res.Rows = append(res.Rows, HeldRow{Gateway: "portkey", Streams: n, Skipped: why})
			continue
		}
		h.logf("scenario 3: %d held streams through portkey", n)
		row, err = h.hold(ctx, "portkey", pk, portkeyEndpoint(pk.addr, h.up.held.URL()), portkeyEndpoint(pk.addr, h.up.stream.URL()), n)
		pk.Stop(5 * time.Second)
		if err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

// hold measures process p holding n streams to ep. warm is a streamed
// endpoint that warms p up first, so that what p makes lazily on its first
// requests counts as idle memory, not as the streams'.
func (h *harness) hold(ctx context.Context, name string, p *proc, ep, warm load.Endpoint, n int) (HeldRow, error) {
	row := HeldRow{Gateway: name, Streams: n, Errors: map[string]int{}}
	h.awaitQuiet(ctx)
	wt := newTarget(warm, p, 64)
	h.openLoop(ctx, wt, 100, time.Second, true, nil)
	wt.client.Close()
	time.Sleep(time.Second)
	idle, err := sampleRSS(p, 3, slices.Min[[]int64])
	if err != nil {
		return row, err
	}
	row.IdleRSS = idle

	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := load.NewClient(0)
	defer c.Close()
	var opened, failed, dropped atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	body := load.ChatBody(ep.Model, true)
	start := time.Now()
	sched := load.OpenLoop{Rate: h.set.HeldOpenRate, Duration: time.Duration(float64(n) / h.set.HeldOpenRate * float64(time.Second)), Max: n}
	sched.Run(ctx, load.RealClock{}, func(int, time.Time) {
		wg.Go(func() {
			seen := false
			err := c.Hold(hctx, ep, body, func() { seen = true; opened.Add(1) })
			if err == nil {
				return
			}
			if seen {
				dropped.Add(1)
			} else {
				failed.Add(1)
			}
			mu.Lock()
			row.Errors[load.ErrClass(err)]++
			mu.Unlock()
		})
	})
	for deadline := time.Now().Add(60 * time.Second); opened.Load()+failed.Load() < int64(n) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	row.OpenSeconds = time.Since(start).Seconds()
	time.Sleep(2 * time.Second) // let every stream reach its steady state
	loaded, err := sampleRSS(p, 5, slices.Max[[]int64])
	if h.profDir != "" && name == "backstop" {
		// The profiled build writes a memory snapshot on SIGUSR1 (heap,
		// goroutines, MemStats); taken after the RSS reads, so that its
		// forced GC does not lower them.
		_ = p.cmd.Process.Signal(syscall.SIGUSR1)
		time.Sleep(2 * time.Second)
	}
	row.Opened, row.Failed = int(opened.Load()), int(failed.Load())
	cancel()
	wg.Wait()
	row.Dropped = int(dropped.Load())
	if len(row.Errors) == 0 {
		row.Errors = nil
	}
	if err != nil {
		return row, err
	}
	row.LoadedRSS = loaded
	if row.Opened > 0 {
		row.PerStream = float64(loaded-idle) / float64(row.Opened)
	}
	return row, nil
}

// sampleRSS reads p's VmRSS k times, 200 ms apart, and reduces them.
func sampleRSS(p *proc, k int, reduce func([]int64) int64) (int64, error) {
	var vs []int64
	for i := range k {
		if i > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		v, err := rss(p.Pid())
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p.name, err)
		}
		vs = append(vs, v)
	}
	return reduce(vs), nil
}
