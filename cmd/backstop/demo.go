package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/backstophq/backstop/internal/demo"
)

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	duration := fs.Duration("duration", 0, "length of the run; the fault timeline scales to it (default 60s)")
	rate := fs.Int("rate", 0, "client requests per second (default 40)")
	seed := fs.Uint64("seed", 1, "seed of the simulated providers")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := demo.Run(ctx, demo.Options{Duration: *duration, Rate: *rate, Seed: *seed, Out: stdout})
	if err != nil {
		fmt.Fprintln(stderr, "demo:", err)
		return 1
	}
	if res.Errors > 0 || res.Busy > 0 {
		return 1
	}
	return 0
}
