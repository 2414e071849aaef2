// Command backstop-bench measures what Backstop adds to a call, side by
// side with the simulated provider alone and with a peer gateway
// (Portkey), in one run on one machine. See docs/performance.md.
//
//	go run ./bench/cmd/backstop-bench [--quick] [--out bench/results] [--docs docs/performance.md]
//
// It builds `backstop` from the work tree and runs it as a separate
// process, runs the simulated providers in its own process, installs the
// peer into a scratch folder, and writes a Markdown table and a JSON file
// per run. Every load loop is bounded in time and count; the whole run is
// bounded by --timeout.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/backstophq/backstop/internal/mock"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// flags are the harness's own options, beside the settings.
type flags struct {
	out, docs, work, profDir string
	noPeer                   bool
	timeout                  time.Duration
}

func parseFlags(args []string, stderr io.Writer) (settings, flags, error) {
	set := fullSettings()
	if slices.Contains(args, "--quick") || slices.Contains(args, "-quick") {
		set = quickSettings()
	}
	var f flags
	fs := flag.NewFlagSet("backstop-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool("quick", false, "a CI-sized run: shorter, fewer rates, 500 held streams")
	fs.StringVar(&f.out, "out", "bench/results", "folder of the results: <date>-<profile>.md and .json")
	fs.StringVar(&f.docs, "docs", "", "Markdown file whose section between the bench:latest markers is replaced by this run's report")
	fs.StringVar(&f.work, "work", filepath.Join(os.TempDir(), "backstop-bench"), "scratch folder: gateway build, configs, logs, the peer's install")
	fs.StringVar(&f.profDir, "gateway-cpuprofile", "", "folder: run the gateway built from bench/cmd/gateway-pprof, which writes a CPU profile per gateway process there")
	fs.BoolVar(&f.noPeer, "no-peer", false, "do not install or run the peer gateway")
	fs.DurationVar(&f.timeout, "timeout", 40*time.Minute, "the longest the whole run may take")
	set.bindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return set, f, err
	}
	return set, f, set.validate()
}

func run(args []string, stdout, stderr io.Writer) int {
	set, f, err := parseFlags(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "backstop-bench:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()

	start := time.Now()
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "%6.1fs  %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, a...))
	}
	h, cleanup, err := setup(ctx, set, f, logf)
	if err != nil {
		fmt.Fprintln(stderr, "backstop-bench:", err)
		return 1
	}
	defer cleanup()
	rep := &Report{Meta: machineMeta(start, h.root), Settings: set, Peer: h.pkNote}
	if h.pk != nil {
		rep.Peer = h.pk.Version
	}
	h.runScenarios(ctx, rep)
	rep.Meta.LoadAfter = loadAvg()
	rep.Budget = budget(rep)
	if h.profDir != "" {
		rep.Profiles, _ = filepath.Glob(filepath.Join(h.profDir, "*.pprof"))
	}
	if err := write(rep, f, start); err != nil {
		fmt.Fprintln(stderr, "backstop-bench:", err)
		return 1
	}
	rep.Markdown(stdout)
	if len(rep.Failures) > 0 {
		return 1
	}
	return 0
}

// setup raises the file limit, builds the gateway, starts the simulated
// providers, writes the gateway config and installs the peer.
func setup(ctx context.Context, set settings, f flags, logf func(string, ...any)) (*harness, func(), error) {
	if _, err := raiseFileLimit(); err != nil {
		return nil, nil, fmt.Errorf("raise the open-file limit: %w", err)
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(f.work, 0o755); err != nil {
		return nil, nil, err
	}
	h := &harness{set: set, root: root, work: f.work, logf: logf, bin: filepath.Join(f.work, "backstop")}
	pkg := "./cmd/backstop"
	if f.profDir != "" {
		if h.profDir, err = filepath.Abs(f.profDir); err != nil {
			return nil, nil, err
		}
		if err := os.MkdirAll(h.profDir, 0o755); err != nil {
			return nil, nil, err
		}
		pkg, h.bin = "./bench/cmd/gateway-pprof", filepath.Join(f.work, "backstop-pprof")
	}
	logf("building %s", pkg)
	if err := goBuild(ctx, root, pkg, h.bin); err != nil {
		return nil, nil, err
	}
	h.relayBin = filepath.Join(f.work, "relay")
	if err := goBuild(ctx, root, "./bench/cmd/relay", h.relayBin); err != nil {
		return nil, nil, err
	}
	h.sim = mock.New(mock.Options{Seed: 1})
	cleanup := func() { _ = h.sim.Close() }
	if err := h.startUpstreams(); err != nil {
		cleanup()
		return nil, nil, err
	}
	h.cfgPath = filepath.Join(f.work, "backstop.yaml")
	if err := os.WriteFile(h.cfgPath, []byte(gatewayConfig(h.up, "")), 0o644); err != nil {
		cleanup()
		return nil, nil, err
	}
	h.pkNote = "not run (--no-peer)"
	if !f.noPeer {
		logf("installing Portkey into %s", filepath.Join(f.work, "portkey"))
		if h.pk, err = installPortkey(ctx, filepath.Join(f.work, "portkey")); err != nil {
			h.pkNote = "not available: " + err.Error()
			logf("peer %s", h.pkNote)
		}
	}
	return h, cleanup, nil
}

func (h *harness) startUpstreams() error {
	var err error
	start := func(name string, opts ...mock.ProviderOption) *mock.Provider {
		if err != nil {
			return nil
		}
		var p *mock.Provider
		p, err = h.sim.Start(name, "127.0.0.1:0", opts...)
		return p
	}
	h.up = upstreams{
		passthrough: start("passthrough"),
		stream:      start("stream", mock.WithTokens(h.set.StreamTokens), mock.WithFault(mock.Fault{TokensPerSecond: h.set.StreamTPS})),
		held:        start("held", mock.WithTokens(heldTokens), mock.WithFault(mock.Fault{TokensPerSecond: h.set.HeldTPS})),
		primary:     start("primary"),
		secondary:   start("secondary"),
	}
	return err
}

// runScenarios runs the chosen scenarios in order; one that fails is
// noted in the report and the others still run.
func (h *harness) runScenarios(ctx context.Context, rep *Report) {
	note := func(n int, err error) {
		if err != nil {
			rep.Failures = append(rep.Failures, fmt.Sprintf("scenario %d: %v", n, err))
			h.logf("scenario %d failed: %v", n, err)
		}
	}
	var err error
	if h.set.runs(1) {
		rep.Passthrough, err = h.passthrough(ctx)
		note(1, err)
	}
	if h.set.runs(2) {
		rep.Streaming, err = h.streaming(ctx)
		note(2, err)
	}
	if h.set.runs(3) {
		rep.Held, err = h.held(ctx)
		note(3, err)
	}
	if h.set.runs(4) {
		rep.Failover, err = h.failover(ctx)
		note(4, err)
	}
	if h.set.runs(5) {
		rep.Translation, err = h.translation(ctx)
		note(5, err)
	}
}

// write saves the report as <out>/<date>-<profile>.{json,md} and, when
// asked, into the docs file.
func write(rep *Report, f flags, start time.Time) error {
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return err
	}
	base := filepath.Join(f.out, start.UTC().Format("2006-01-02T150405Z")+"-"+rep.Settings.Profile)
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".json", append(js, '\n'), 0o644); err != nil {
		return err
	}
	var md bytes.Buffer
	rep.Markdown(&md)
	if err := os.WriteFile(base+".md", md.Bytes(), 0o644); err != nil {
		return err
	}
	if f.docs == "" {
		return nil
	}
	doc, err := os.ReadFile(f.docs)
	if err != nil {
		return err
	}
	out, err := replaceLatest(doc, demoteHeadings(md.Bytes()), filepath.Base(base))
	if err != nil {
		return fmt.Errorf("%s: %w", f.docs, err)
	}
	return os.WriteFile(f.docs, out, 0o644)
}
