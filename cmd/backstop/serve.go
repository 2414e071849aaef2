package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/filewatch"
	"github.com/backstophq/backstop/internal/gateway"
	"github.com/backstophq/backstop/internal/logbatch"
)

// shutdownGrace is how long in-flight requests and streams may run after
// SIGTERM before the gateway closes them.
const shutdownGrace = 30 * time.Second

// logFlushInterval is how long a log line may wait in the batch before it
// is written out.
const logFlushInterval = 100 * time.Millisecond

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config file (default: the embedded config, whose providers are the simulated ones of 'backstop mock')")
	listen := fs.String("listen", "", "listen address; overrides the config's listen")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	// Request logs are batched: at a thousand requests a second, a write
	// per line was 5% of the gateway's CPU. The batch's timer runs only
	// while lines wait, so an idle gateway is not woken to flush nothing.
	logs := logbatch.New(stderr, clock.Real{}, logFlushInterval)
	defer logs.Close()
	logger := newLogger(logs, cfg.Log.Level)
	gw, err := gateway.Start(cfg, logger, "backstop/"+versionString())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *path != "" {
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		go filewatch.New(*path, logger).Run(ctx, hup, func() { _ = gw.ReloadFile(*path) })
	} else {
		signal.Ignore(syscall.SIGHUP) // the embedded config has nothing to reload
	}
	logger.Info("backstop serving", "addr", gw.Addr(), "routes", len(cfg.Routes), "version", versionString())
	fmt.Fprintf(stdout, "backstop listening on http://%s\n", gw.Addr())
	select {
	case <-ctx.Done():
	case err := <-gw.Err():
		logger.Error("server stopped", "err", err)
		return 1
	}
	logger.Info("shutting down", "grace", shutdownGrace.String())
	if err := gw.Shutdown(shutdownGrace); err != nil {
		logger.Warn("shutdown cut requests short", "err", err)
	}
	return 0
}

// loadConfig loads path, or the embedded default when path is "".
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Parse(config.Default(), nil)
	}
	return config.Load(path)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
