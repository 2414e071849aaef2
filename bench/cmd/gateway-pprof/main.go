// Command gateway-pprof is `backstop serve` with a CPU profile: the same
// config loading, logger and gateway.Start, plus a profile of the whole
// process written when it stops. The benchmark harness runs it in place
// of backstop when given --gateway-cpuprofile, so that the gateway itself
// exposes nothing extra and its command line stays the product's.
//
//	gateway-pprof serve --config FILE [--listen ADDR] --cpuprofile FILE
//
// On SIGUSR1 it also writes a memory snapshot beside the CPU profile
// (see snapshot.go): the harness sends one while scenario 3 holds its
// streams, which is where the memory per stream is measured.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/gateway"
	"github.com/backstophq/backstop/internal/logbatch"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "serve" {
		fmt.Fprintln(stderr, "usage: gateway-pprof serve --config FILE [--listen ADDR] --cpuprofile FILE")
		return 2
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config file (required)")
	listen := fs.String("listen", "", "listen address; overrides the config's listen")
	profile := fs.String("cpuprofile", "", "CPU profile file, written at exit (required)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *path == "" || *profile == "" {
		fmt.Fprintln(stderr, "gateway-pprof: --config and --cpuprofile are required")
		return 2
	}
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	f, err := os.Create(*profile)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer pprof.StopCPUProfile()

	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		level = slog.LevelInfo
	}
	// Batched as backstop serve batches them, so that the profile shows
	// the product's logging cost.
	logs := logbatch.New(stderr, clock.Real{}, 100*time.Millisecond)
	defer logs.Close()
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level}))
	gw, err := gateway.Start(cfg, logger, "backstop/bench-pprof")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "backstop listening on http://%s\n", gw.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	snap := make(chan os.Signal, 1)
	signal.Notify(snap, syscall.SIGUSR1)
	defer signal.Stop(snap)
	go snapshots(ctx, snap, strings.TrimSuffix(*profile, ".pprof"), stderr)
	select {
	case <-ctx.Done():
	case err := <-gw.Err():
		logger.Error("server stopped", "err", err)
		return 1
	}
	if err := gw.Shutdown(30 * time.Second); err != nil {
		logger.Warn("shutdown cut requests short", "err", err)
	}
	return 0
}
