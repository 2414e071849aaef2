package demo

import (
	"fmt"
	"io"
	"time"

	"github.com/backstophq/backstop/internal/route"
)

// targets are the columns of the report, in the order of the route.
var targets = []string{"gpt-primary", "gpt-secondary", "gpt-backup"}

func printHeader(w io.Writer) {
	fmt.Fprintf(w, "%6s  %5s  %8s  %7s  %7s   %-22s  %s\n", "time", "req/s", "success", "p50", "p99",
		"served by pri/sec/bak", "live weights pri/sec, breaker of gpt-primary")
}

func printSecond(w io.Writer, at time.Duration, s second, table *route.Table) {
	if s.requests == 0 {
		return
	}
	success := 100 * float64(s.requests-s.errors-s.busy) / float64(s.requests)
	p50, p99 := percentile(s.latencies, 50), percentile(s.latencies, 99)
	fmt.Fprintf(w, "%5.0fs  %5d  %7.1f%%  %7s  %7s   %-22s  %s\n", at.Seconds(), s.requests, success, ms(p50), ms(p99), shares(s), weights(table))
}

// weights shows the smart route's live weights and the primary's breaker.
func weights(table *route.Table) string {
	if table == nil || table.Routes["smart"] == nil {
		return ""
	}
	m := table.Routes["smart"].Members
	out := ""
	for i, ts := range m {
		if i > 0 {
			out += "/"
		}
		out += fmt.Sprintf("%.0f", ts.Weight)
	}
	if len(m) > 0 {
		out += "  " + m[0].Breaker.String()
		if m[0].Reason != "" {
			out += " (" + m[0].Reason + ")"
		}
	}
	return out
}

func shares(s second) string {
	out := ""
	for i, t := range targets {
		if i > 0 {
			out += "/"
		}
		out += fmt.Sprintf("%3.0f%%", 100*float64(s.served[t])/float64(s.requests))
	}
	if s.busy > 0 {
		out += fmt.Sprintf("  busy message: %d", s.busy)
	}
	if s.errors > 0 {
		out += fmt.Sprintf("  ERRORS: %d", s.errors)
	}
	return out
}

func printSummary(w io.Writer, r Result) {
	fmt.Fprintf(w, "\n%d requests, %d client-visible errors", r.Requests, r.Errors)
	if r.Requests > 0 {
		fmt.Fprintf(w, " (%.2f%%)", 100*float64(r.Errors)/float64(r.Requests))
	}
	fmt.Fprintf(w, ", %d busy messages.\n", r.Busy)
	for _, t := range targets {
		fmt.Fprintf(w, "  %-14s served %d\n", t, r.Served[t])
	}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%dms", d.Milliseconds())
}
