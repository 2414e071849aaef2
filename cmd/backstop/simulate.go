package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/backstophq/backstop/internal/simulate"
)

const simulateUsage = `Usage: backstop simulate [--config FILE] --scenario FILE [--json]

Replays a fault scenario against a route of the config in virtual time (no
sleeping, no sockets), with the routing code of 'backstop serve': chains,
breakers, health scores, live weights, retries, timeouts, hedging, drills.
Prints one line per virtual second (live weights, breakers, the share each
target served, client errors, p50/p99 latency) and a summary; --json
prints the same as one JSON document. The same config, scenario and seed
give the same output. See docs/simulate.md.

Exits 0 after a run, 1 when the config or scenario is invalid, 2 on a
usage error.

Flags:
`

// runSimulate is "backstop simulate". It returns the exit code.
func runSimulate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), simulateUsage)
		fs.PrintDefaults()
	}
	configPath := fs.String("config", "", "config file (default: the embedded config that 'backstop serve' runs without one)")
	scenarioPath := fs.String("scenario", "", "scenario file (required)")
	asJSON := fs.Bool("json", false, "print the timeline as JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *scenarioPath == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "backstop simulate: give one scenario with --scenario FILE, and no arguments")
		fs.Usage()
		return 2
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		fmt.Fprintf(stderr, "backstop simulate: config %s: %v\n", configName(*configPath), err)
		return 1
	}
	sc, err := simulate.LoadScenario(*scenarioPath)
	if err != nil {
		fmt.Fprintf(stderr, "backstop simulate: %v\n", err)
		return 1
	}
	res, err := simulate.Run(cfg, sc)
	if err != nil {
		fmt.Fprintf(stderr, "backstop simulate: %s: %v\n", *scenarioPath, err)
		return 1
	}
	res.Config, res.Scenario = configName(*configPath), *scenarioPath
	write := res.WriteText
	if *asJSON {
		write = res.WriteJSON
	}
	if err := write(stdout); err != nil {
		fmt.Fprintf(stderr, "backstop simulate: %v\n", err)
		return 1
	}
	return 0
}

// configName names the config in messages and the header.
func configName(path string) string {
	if path == "" {
		return "(embedded default)"
	}
	return path
}
