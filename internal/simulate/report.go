package simulate

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// WriteJSON writes the result as one indented JSON document. Durations
// are in milliseconds; keys of maps are sorted, so equal results write
// equal bytes.
func (res *Result) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteText writes the result for a reader: a header, one line per
// virtual second (with a ">>>" line before the second in which a
// timeline step comes), and a summary.
func (res *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	res.header(&b)
	lines := make([][]string, len(res.Seconds))
	for k, sec := range res.Seconds {
		lines[k] = res.columns(sec)
	}
	widths := columnWidths(lines)
	step := 0
	for k, cols := range lines {
		for ; step < len(res.Steps) && res.Steps[step].At < Millis(time.Duration(k+1)*time.Second); step++ {
			st := res.Steps[step]
			fmt.Fprintf(&b, ">>> %s %s: %s%s\n", dur(time.Duration(st.At)), st.Provider, st.Fault, note(st.Note))
		}
		for i, c := range cols {
			sep := " | "
			if i == 0 {
				sep = "  "
			}
			if i < len(cols)-1 {
				c += strings.Repeat(" ", widths[i]-len(c))
			}
			b.WriteString(c)
			if i < len(cols)-1 {
				b.WriteString(sep)
			}
		}
		b.WriteString("\n")
	}
	res.footer(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func (res *Result) header(b *strings.Builder) {
	mode := "streamed"
	if !res.Stream {
		mode = "not streamed"
	}
	fmt.Fprintf(b, "backstop simulate: route %s (%s), %s req/s for %s, %s, %d tokens, seed %d\n",
		res.Route, res.Strategy, formatFloat(res.Rate), dur(time.Duration(res.Duration)), mode, res.Tokens, res.Seed)
	if res.Config != "" || res.Scenario != "" {
		fmt.Fprintf(b, "config %s, scenario %s\n", orNone(res.Config), orNone(res.Scenario))
	}
	var ts []string
	for _, t := range res.Targets {
		role := "fallback"
		if t.Weight != nil {
			role = "weight " + strconv.Itoa(*t.Weight)
		}
		ts = append(ts, fmt.Sprintf("%s (provider %s, %s)", t.Name, t.Provider, role))
	}
	fmt.Fprintf(b, "targets: %s\n", strings.Join(ts, ", "))
	table := "live weights (w"
	if res.Strategy != "weighted" {
		table = "health scores (score"
	}
	fmt.Fprintf(b, "each line is one virtual second of arrivals: %s, updated every %s), breakers not closed at its end,\n", table, dur(time.Duration(res.Interval)))
	b.WriteString("share of its requests each target answered in full, client errors and busy answers, client latency p50/p99\n\n")
}

// columns is one second's line, column by column.
func (res *Result) columns(sec Second) []string {
	var w, br, sv []string
	weighted := res.Strategy == "weighted"
	for _, t := range sec.Targets {
		switch {
		case t.Weight == nil:
		case weighted:
			w = append(w, fmt.Sprintf("%s %3.0f", t.Name, *t.Weight))
		default:
			w = append(w, fmt.Sprintf("%s %.2f", t.Name, *t.Score))
		}
		if t.Breaker != "closed" {
			br = append(br, t.Name+" "+t.Breaker)
		}
		sv = append(sv, fmt.Sprintf("%s %3.0f%%", t.Name, 100*t.Share))
	}
	table := "w "
	if !weighted {
		table = "score " // the strategy does not use the live weights
	}
	breakers := "breakers closed"
	if len(br) > 0 {
		breakers = "breaker " + strings.Join(br, ", ")
	}
	return []string{
		fmt.Sprintf("%4ds", sec.At),
		table + strings.Join(w, " "),
		breakers,
		"served " + strings.Join(sv, " "),
		fmt.Sprintf("errors %5.1f%% busy %5.1f%%", rate(sec.Errors, sec.Requests), rate(sec.Busy, sec.Requests)),
		fmt.Sprintf("p50 %6s p99 %6s", latency(sec.P50, sec.Requests), latency(sec.P99, sec.Requests)),
	}
}

func columnWidths(lines [][]string) []int {
	var widths []int
	for _, cols := range lines {
		for i, c := range cols {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len(c))
		}
	}
	return widths
}

func (res *Result) footer(b *strings.Builder) {
	s := res.Summary
	fmt.Fprintf(b, "\nsummary\n  requests %d, served %d, client errors %d (%.1f%%), busy answers %d (%.1f%%)\n",
		s.Requests, s.Served, s.Errors, rate(s.Errors, s.Requests), s.Busy, rate(s.Busy, s.Requests))
	if len(s.ErrorsBy) > 0 {
		var by []string
		for _, k := range sortedKeys(s.ErrorsBy) {
			by = append(by, fmt.Sprintf("%s %d", k, s.ErrorsBy[k]))
		}
		fmt.Fprintf(b, "  errors by reason: %s\n", strings.Join(by, ", "))
	}
	var shares []string
	for i, t := range res.Targets {
		shares = append(shares, fmt.Sprintf("%s %.1f%%", t.Name, 100*s.Shares[i]))
	}
	fmt.Fprintf(b, "  share served: %s\n", strings.Join(shares, ", "))
	fmt.Fprintf(b, "  client latency: p50 %s, p99 %s\n", dur(time.Duration(s.P50)), dur(time.Duration(s.P99)))
	fmt.Fprintf(b, "  drills %d, hedges %d (won %d), continuations %d, retries on the same target %d\n",
		s.Drills, s.Hedges, s.HedgeWins, s.Continuations, s.Retries)
	fmt.Fprintf(b, "  health probes %d (failed %d, skipped %d), breakers closed by a passing probe %d\n",
		s.HealthProbes, s.HealthProbesFailed, s.HealthProbesSkipped, s.Recoveries)
	for _, f := range s.Faults {
		fmt.Fprintf(b, "  %s %s: %s\n", dur(time.Duration(f.Step.At)), f.Step.Provider, f.line())
	}
}

// line describes a fault report in words.
func (f FaultReport) line() string {
	if len(f.Targets) == 0 {
		return f.Step.Fault + ": no target of the route is on it"
	}
	parts := []string{f.Step.Fault}
	if f.Before != nil {
		parts = append(parts, fmt.Sprintf("share %.0f%% in the second before", 100**f.Before))
	}
	if f.ZeroAfter == nil {
		parts = append(parts, "share never fell to 0")
	} else {
		parts = append(parts, "share 0 from "+dur(time.Duration(*f.ZeroAfter))+" after")
		if f.BackAfter != nil {
			parts = append(parts, "served again "+dur(time.Duration(*f.BackAfter))+" after")
		} else {
			parts = append(parts, "never served again")
		}
	}
	if f.WeightBack != nil {
		parts = append(parts, "weight back to base "+dur(time.Duration(*f.WeightBack))+" after")
	}
	return strings.Join(parts, "; ")
}

// dur writes d to the precision a reader needs: "310ms", "2.15s", "1m5s".
func dur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// latency writes a percentile of n requests; "-" when there are none.
func latency(m Millis, n int) string {
	if n == 0 {
		return "-"
	}
	return dur(time.Duration(m))
}

func note(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func rate(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
