package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/backstophq/backstop/internal/config"
)

const validateUsage = `Usage: backstop validate FILE
       backstop validate --config FILE

Checks a config file: YAML syntax, ${ENV} references (against this
process's environment), unknown keys, types, and the references between
providers, targets and routes. Prints every problem, one per line, as
FILE: PATH: line N: MESSAGE, and exits 1 if there is any; prints
"FILE: ok (...)" and exits 0 otherwise. Exits 2 on a usage error.
`

// runValidate is "backstop validate". It returns the exit code: 0 when the
// file is valid, 1 when it is not (or cannot be read), 2 on a usage error.
func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), validateUsage) }
	flagPath := fs.String("config", "", "the config file to check (or give it as the argument)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	path := *flagPath
	switch {
	case fs.NArg() > 1, fs.NArg() == 1 && path != "":
		fmt.Fprintf(stderr, "backstop validate: one config file at a time\n\n%s", validateUsage)
		return 2
	case fs.NArg() == 1:
		path = fs.Arg(0)
	case path == "":
		fmt.Fprintf(stderr, "backstop validate: no config file given\n\n%s", validateUsage)
		return 2
	}

	cfg, err := config.Load(path)
	var problems config.Errors
	switch {
	case errors.As(err, &problems):
		for _, p := range problems {
			fmt.Fprintf(stderr, "%s: %s\n", path, p.Error())
		}
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "backstop validate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok (%s, %s, %s)\n", path,
		countOf(len(cfg.Providers), "provider"), countOf(len(cfg.Targets), "target"), countOf(len(cfg.Routes), "route"))
	return 0
}

// countOf writes "1 route" or "3 routes".
func countOf(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
