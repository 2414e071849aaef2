package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/backstophq/backstop/internal/mock"
)

// runMock is `backstop mock`: simulated OpenAI-compatible providers and
// their control API, until SIGINT or SIGTERM. See docs/mock.md.
func runMock(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "", "scenario file (YAML): providers and a fault timeline")
	providers := fs.String("providers", mock.DefaultProviders, "providers to run without a scenario, name=host:port,...")
	control := fs.String("control", "127.0.0.1:18100", `listen address of the control API ("" for none)`)
	seed := fs.Uint64("seed", 0, "seed of answers and fault draws (default: the scenario's, else 0)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mock: unexpected arguments %q\n", fs.Args())
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var sc *mock.Scenario
	switch {
	case *scenario != "" && set["providers"]:
		fmt.Fprintln(stderr, "mock: --providers and --scenario exclude each other; list providers in the scenario")
		return 2
	case *scenario != "":
		var err error
		if sc, err = mock.LoadScenario(*scenario); err != nil {
			fmt.Fprintln(stderr, "mock:", err)
			return 1
		}
	default:
		specs, err := mock.ParseProviderList(*providers)
		if err != nil {
			fmt.Fprintln(stderr, "mock: --providers:", err)
			return 2
		}
		sc = &mock.Scenario{Providers: specs}
	}
	if set["seed"] {
		sc.Seed = *seed
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := mock.Serve(ctx, mock.ServeConfig{Scenario: sc, Control: *control, Out: stdout}); err != nil {
		fmt.Fprintln(stderr, "mock:", err)
		return 1
	}
	return 0
}
