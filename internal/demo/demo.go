// Package demo runs Backstop's live demonstration: simulated providers, a
// gateway on the embedded default config, steady client traffic, and a
// fault timeline (the primary slows, fails hard, recovers), with one line
// a second showing where traffic went and what clients saw.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/gateway"
	"github.com/backstophq/backstop/internal/mock"
)

// Options configure a demo run.
type Options struct {
	// Duration is the length of the run; the timeline is scaled to it.
	// Default 60s.
	Duration time.Duration
	// Rate is the client request rate, per second. Default 40.
	Rate int
	// Seed makes the simulated providers reproducible. Default 1.
	Seed uint64
	// Out receives the report. Required.
	Out io.Writer
	// Log receives the gateway's own log; nil discards it.
	Log io.Writer
}

// Phase is one step of the fault timeline.
type Phase struct {
	// At is the phase's start, as a share of the run's duration.
	At float64
	// Label says what happens, in the report.
	Label string
	// Fault is set on the primary provider.
	Fault mock.Fault
}

// Baseline is how every simulated provider behaves when healthy: a short
// wait before answering and a realistic token rate, so that latencies in
// the report look like a model's, not like a loopback's.
var Baseline = mock.Fault{
	Latency:         mock.Duration(40 * time.Millisecond),
	TTFT:            mock.Duration(60 * time.Millisecond),
	TokensPerSecond: 200,
}

// Timeline is the demo's story: steady, slow, outage, recovery. Each
// phase's fault is added to the Baseline.
var Timeline = []Phase{
	{At: 0, Label: "all healthy"},
	{At: 0.15, Label: "primary slows down (+600ms before every answer)", Fault: mock.Fault{Latency: mock.Duration(600 * time.Millisecond)}},
	{At: 0.35, Label: "primary fails hard (503 on every request)", Fault: mock.Fault{Status: 503}},
	{At: 0.5, Label: "primary is unreachable (connection refused)", Fault: mock.Fault{Down: true}},
	{At: 0.65, Label: "primary recovers"},
}

// Result sums up a run.
type Result struct {
	Requests, Errors, Busy int
	Served                 map[string]int
}

// Run plays the demo until its duration has passed or ctx ends.
func Run(ctx context.Context, opts Options) (Result, error) {
	if opts.Duration <= 0 {
		opts.Duration = 60 * time.Second
	}
	if opts.Rate <= 0 {
		opts.Rate = 40
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	sim := mock.New(mock.Options{Seed: opts.Seed})
	defer sim.Close()
	cfg, err := config.Parse(config.Default(), nil)
	if err != nil {
		return Result{}, fmt.Errorf("embedded config: %w", err)
	}
	var primary *mock.Provider
	for name, pc := range cfg.Providers {
		p, err := sim.Start(name, "127.0.0.1:0")
		if err != nil {
			return Result{}, err
		}
		pc.BaseURL = p.URL()
		if err := p.SetFault(Baseline); err != nil {
			return Result{}, err
		}
		if name == "primary" {
			primary = p
		}
	}
	if primary == nil {
		return Result{}, fmt.Errorf("embedded config has no provider named primary")
	}
	cfg.Listen = "127.0.0.1:0"
	logger := slog.New(slog.NewJSONHandler(opts.Log, nil))
	gw, err := gateway.Start(cfg, logger, "backstop-demo")
	if err != nil {
		return Result{}, err
	}
	defer gw.Shutdown(5 * time.Second)

	fmt.Fprintf(opts.Out, "Backstop demo: gateway on http://%s, route \"smart\" = gpt-primary 80%% / gpt-secondary 20%%, fallback gpt-backup.\n", gw.Addr())
	fmt.Fprintf(opts.Out, "%d requests/s, half of them streamed, for %s.\n\n", opts.Rate, opts.Duration)
	return play(ctx, opts, "http://"+gw.Addr(), primary, gw.Server)
}

// play runs the traffic and the timeline and prints a line a second.
func play(ctx context.Context, opts Options, base string, primary *mock.Provider, gw *gateway.Server) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()
	tr := newTraffic(base, opts.Rate)
	go tr.run(ctx)

	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	phase := -1
	res := Result{Served: map[string]int{}}
	printHeader(opts.Out)
	for {
		elapsed := time.Since(start)
		if next := phaseAt(elapsed, opts.Duration); next != phase {
			phase = next
			p := Timeline[phase]
			if err := primary.SetFault(onBaseline(p.Fault)); err != nil {
				return res, err
			}
			fmt.Fprintf(opts.Out, "%5.0fs  >>> %s\n", elapsed.Seconds(), p.Label)
		}
		select {
		case <-ctx.Done():
			tr.wait()
			last := tr.snapshot()
			res.add(last)
			printSecond(opts.Out, time.Since(start), last, gw.Table())
			printSummary(opts.Out, res)
			return res, nil
		case <-tick.C:
			s := tr.snapshot()
			res.add(s)
			printSecond(opts.Out, time.Since(start), s, gw.Table())
		}
	}
}

// onBaseline adds f to the Baseline: waits add up, and a status, a
// refusal or a reset replace the answer altogether.
func onBaseline(f mock.Fault) mock.Fault {
	f.Latency += Baseline.Latency
	f.TTFT += Baseline.TTFT
	if f.TokensPerSecond == 0 {
		f.TokensPerSecond = Baseline.TokensPerSecond
	}
	return f
}

func phaseAt(elapsed, total time.Duration) int {
	share := float64(elapsed) / float64(total)
	idx := 0
	for i, p := range Timeline {
		if share >= p.At {
			idx = i
		}
	}
	return idx
}

func (r *Result) add(s second) {
	r.Requests += s.requests
	r.Errors += s.errors
	r.Busy += s.busy
	for k, v := range s.served {
		r.Served[k] += v
	}
}
