// Command backstop is an LLM gateway that keeps AI features up when a model
// provider is slow, rate-limited or down.
//
// Usage:
//
//	backstop serve    [--config FILE] [--listen ADDR]   run the gateway
//	backstop check    --config FILE [--metrics ADDR]    probe, score and publish the fleet's table
//	backstop validate FILE                              check a config file
//	backstop mock     [--scenario FILE]                 run simulated providers
//	backstop simulate [--config FILE] --scenario FILE   replay faults in virtual time
//	backstop demo                                       watch failover live, no keys needed
//	backstop version
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `backstop: an LLM gateway that fails over across providers.

Usage:
  backstop serve    [--config FILE] [--listen ADDR]   run the gateway (default config: simulated providers)
  backstop check    --config FILE [--metrics ADDR]    probe, score and publish the fleet's routing table (see docs/fleet.md)
  backstop validate FILE                              check a config file; exit 1 on errors
  backstop mock     [--scenario FILE]                 run simulated providers (every dialect)
  backstop simulate [--config FILE] --scenario FILE   replay a fault scenario against the routing, in virtual time
  backstop demo     [--duration D]                    gateway + simulated providers + traffic + an outage
  backstop version                                    print the version

Run 'backstop COMMAND --help' for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(rest, stdout, stderr)
	case "check":
		return runCheck(rest, stdout, stderr)
	case "validate":
		return runValidate(rest, stdout, stderr)
	case "mock":
		return runMock(rest, stdout, stderr)
	case "demo":
		return runDemo(rest, stdout, stderr)
	case "simulate":
		return runSimulate(rest, stdout, stderr)
	case "version", "--version", "-v":
		return runVersion(stdout)
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "backstop: unknown command %q\n\n%s", cmd, usage)
	return 2
}
