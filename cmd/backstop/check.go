package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/fleet"
	"github.com/backstophq/backstop/internal/logbatch"
	"github.com/backstophq/backstop/internal/metrics"
)

// runCheck is `backstop check`: the out-of-band checker of a fleet.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config file with a fleet block (required)")
	metricsAddr := fs.String("metrics", ":9091", "address to serve /metrics and /healthz on; empty for none")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *path == "" {
		fmt.Fprintln(stderr, "backstop check: --config FILE is required")
		return 2
	}
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	logs := logbatch.New(stderr, clock.Real{}, logFlushInterval)
	defer logs.Close()
	logger := newLogger(logs, cfg.Log.Level)
	m := metrics.NewChecker()
	checker, err := fleet.NewChecker(cfg, fleet.CheckerOptions{Logger: logger, Metrics: m, UserAgent: "backstop/" + versionString()})
	if err != nil {
		fmt.Fprintln(stderr, "backstop check:", err)
		return 1
	}
	defer checker.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *metricsAddr != "" {
		ln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			fmt.Fprintf(stderr, "backstop check: listen %s: %v\n", *metricsAddr, err)
			return 1
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("checker metrics server stopped", "err", err.Error())
			}
		}()
		defer srv.Close()
		fmt.Fprintf(stdout, "backstop check metrics on http://%s\n", ln.Addr())
	}
	redis := ""
	if cfg.Fleet.HasRedis() {
		redis = config.RedactURL(cfg.Fleet.Redis.URL.Value())
	}
	logger.Info("backstop checking", "id", checker.ID(), "publish", cfg.Fleet.Checker.Publish, "redis", redis,
		"lease", cfg.Fleet.Checker.Lease.String(), "interval", cfg.Fleet.Checker.Interval.String(), "version", versionString())
	fmt.Fprintf(stdout, "backstop check running as %s\n", checker.ID())
	checker.Run(ctx)
	logger.Info("checker stopped")
	return 0
}
