package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/backstophq/backstop/bench/load"
)

// Report is one run of the harness: what the JSON file holds and the
// Markdown table shows.
type Report struct {
	Meta     Meta     `json:"meta"`
	Settings settings `json:"settings"`
	// Peer is the peer's version, or why it did not run.
	Peer        string             `json:"peer"`
	Passthrough *PassthroughResult `json:"passthrough,omitempty"`
	Streaming   *StreamingResult   `json:"streaming,omitempty"`
	Held        *HeldResult        `json:"held_streams,omitempty"`
	Failover    *FailoverResult    `json:"failover,omitempty"`
	Translation *TranslationResult `json:"translation,omitempty"`
	Budget      []BudgetItem       `json:"budget"`
	// Failures are scenarios that could not finish, with the error.
	Failures []string `json:"failures,omitempty"`
	// Profiles are the gateway CPU profiles written, when asked for.
	Profiles []string `json:"profiles,omitempty"`
}

// fmtUS writes a duration given in µs with a unit that suits it.
func fmtUS(v float64) string {
	a := math.Abs(v)
	switch {
	case a < 1000:
		return fmt.Sprintf("%.0f µs", v)
	case a < 1e6:
		return fmt.Sprintf("%.2f ms", v/1000)
	default:
		return fmt.Sprintf("%.2f s", v/1e6)
	}
}

// signedUS is fmtUS with a sign, for differences.
func signedUS(v float64) string {
	if v >= 0 {
		return "+" + fmtUS(v)
	}
	return "−" + fmtUS(-v)
}

func fmtBytes(b float64) string {
	switch {
	case math.Abs(b) < 1e6:
		return fmt.Sprintf("%.1f KB", b/1e3)
	default:
		return fmt.Sprintf("%.1f MB", b/1e6)
	}
}

// table writes a Markdown table.
func table(w io.Writer, head []string, rows [][]string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(head, " | "))
	seps := make([]string, len(head))
	for i := range seps {
		seps[i] = "---"
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(seps, "|"))
	for _, r := range rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
	fmt.Fprintln(w)
}

func errSummary(r Run) string {
	if r.Errors == 0 {
		return "0"
	}
	var kinds []string
	for k, n := range r.ByErr {
		kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(kinds)
	return strings.Join(kinds, ", ")
}

func cpuCell(r Run) string {
	if r.GatewayCPU == 0 {
		return "–"
	}
	return fmtUS(r.GatewayCPU)
}

// Markdown writes the report for people.
func (r *Report) Markdown(w io.Writer) {
	m := r.Meta
	fmt.Fprintf(w, "# Backstop benchmark, %s\n\n", m.Date)
	fmt.Fprintf(w, "- Machine: %d cores (%s), %s memory, Linux %s; %s. The load generator, the simulated providers and the gateways share it.\n", m.Cores, m.CPUModel, m.MemTotal, m.Kernel, m.GoVersion)
	fmt.Fprintf(w, "- Load average (1/5/15 min): %s before, %s after.\n", m.LoadBefore, m.LoadAfter)
	fmt.Fprintf(w, "- Commit %s, profile %s: `%s`\n", m.Commit, r.Settings.Profile, m.Command)
	fmt.Fprintf(w, "- Peer: %s\n\n", r.Peer)
	for _, f := range r.Failures {
		fmt.Fprintf(w, "**Failed:** %s\n\n", f)
	}
	fmt.Fprintf(w, "## Budget\n\n")
	var rows [][]string
	for _, b := range r.Budget {
		rows = append(rows, []string{b.Item, b.Target, b.Measured, b.Verdict})
	}
	table(w, []string{"item", "target", "measured", "verdict"}, rows)
	r.markdownPassthrough(w)
	r.markdownStreaming(w)
	r.markdownHeld(w)
	r.markdownFailover(w)
	r.markdownTranslation(w)
}

func (r *Report) markdownTranslation(w io.Writer) {
	t := r.Translation
	switch {
	case t == nil:
		return
	case !t.Available:
		fmt.Fprintf(w, "## 5. Cross-dialect translation\n\nNot available: %s.\n\n", t.Reason)
		return
	}
	fmt.Fprintf(w, "## 5. Cross-dialect translation, open loop\n\nOpenAI requests through Backstop to the simulator's OpenAI endpoint (pass-through) and to its Anthropic endpoint (translated), each compared with the simulator answering its own dialect directly.\n\n")
	var rows [][]string
	for _, pt := range t.Rates {
		add := map[string]Delta{"backstop": pt.AddedPassthrough, "backstop-translated": pt.AddedTranslated}
		for _, run := range pt.Runs {
			rows = append(rows, runRow(fmt.Sprintf("%g", pt.Rate), run, add))
		}
	}
	table(w, []string{"req/s", "endpoint", "ok / sent", "errors", "achieved req/s", "p50", "p90", "p99", "p99.9", "added p50", "added p90", "added p99", "added p99.9", "CPU/req", "other load"}, rows)
}

func (r *Report) markdownPassthrough(w io.Writer) {
	p := r.Passthrough
	if p == nil {
		return
	}
	fmt.Fprintf(w, "## 1. Non-streaming pass-through, open loop\n\n")
	fmt.Fprintf(w, "Small chat completion, %s per endpoint and rate in %d interleaved round(s). Latency from each request's scheduled send time; added = gateway − direct at the same percentile. Relay = a process that passes the bytes through without reading them (bench/cmd/relay): what any gateway running as its own process adds here before doing any work. CPU = the gateway process's CPU time per request. Other load = cores busy with work other than the harness and the gateway during the run (other tests on the machine): the noise.\n\n", r.Settings.Duration, r.Settings.Rounds)
	var rows [][]string
	for _, pt := range p.Rates {
		for _, run := range pt.Runs {
			rows = append(rows, runRow(fmt.Sprintf("%g", pt.Rate), run, pt.Added))
		}
	}
	table(w, []string{"req/s", "endpoint", "ok / sent", "errors", "achieved req/s", "p50", "p90", "p99", "p99.9", "added p50", "added p90", "added p99", "added p99.9", "CPU/req", "other load"}, rows)
	s := p.Saturation
	fmt.Fprintf(w, "### Saturation: closed loop, %d workers, %s each\n\n", s.Workers, r.Settings.SatDuration)
	rows = nil
	for _, run := range s.Runs {
		if run.Skipped != "" {
			rows = append(rows, []string{run.Endpoint, "skipped: " + run.Skipped, "", "", "", "", "", "", "", ""})
			continue
		}
		of := "–"
		if f, ok := s.OfDirect[run.Endpoint]; ok {
			of = fmt.Sprintf("%.0f %%", 100*f)
		}
		d, hasD := s.Added[run.Endpoint]
		a50, a99 := "–", "–"
		if hasD {
			a50, a99 = signedUS(d.P50), signedUS(d.P99)
		}
		rows = append(rows, []string{run.Endpoint, fmt.Sprintf("%.0f", run.Throughput), of, errSummary(run),
			fmtUS(run.Latency.P50), fmtUS(run.Latency.P99), a50, a99, cpuCell(run), fmt.Sprintf("%.2f", run.OtherLoad)})
	}
	table(w, []string{"endpoint", "req/s", "of direct", "errors", "p50", "p99", "added p50", "added p99", "CPU/req", "other load"}, rows)
}

// runRow is one open-loop run as a table row.
func runRow(rate string, run Run, add map[string]Delta) []string {
	if run.Skipped != "" {
		row := []string{rate, run.Endpoint, "skipped: " + run.Skipped}
		for len(row) < 15 {
			row = append(row, "")
		}
		return row
	}
	row := []string{rate, run.Endpoint, fmt.Sprintf("%d / %d", run.OK, run.Sent), errSummary(run), fmt.Sprintf("%.0f", run.Throughput),
		fmtUS(run.Latency.P50), fmtUS(run.Latency.P90), fmtUS(run.Latency.P99), fmtUS(run.Latency.P999)}
	if d, ok := add[run.Endpoint]; ok {
		row = append(row, signedUS(d.P50), signedUS(d.P90), signedUS(d.P99), signedUS(d.P999))
	} else {
		row = append(row, "–", "–", "–", "–")
	}
	return append(row, cpuCell(run), otherCell(run))
}

// otherCell is a run's other load, with the slices measured again.
func otherCell(r Run) string {
	if r.Redone > 0 {
		return fmt.Sprintf("%.2f (%d redone)", r.OtherLoad, r.Redone)
	}
	return fmt.Sprintf("%.2f", r.OtherLoad)
}

func (r *Report) markdownStreaming(w io.Writer) {
	s := r.Streaming
	if s == nil {
		return
	}
	pace := "unpaced"
	if s.TokensPerSecond > 0 {
		pace = fmt.Sprintf("%g chunks/s", s.TokensPerSecond)
	}
	fmt.Fprintf(w, "## 2. Streaming, open loop\n\n%d content chunks per stream, %s. TTFT = scheduled send → first content chunk; gap = between consecutive content chunks at the client. Relay: see scenario 1.\n\n", s.Tokens, pace)
	var rows [][]string
	for _, pt := range s.Rates {
		for _, run := range pt.Runs {
			if run.Skipped != "" {
				rows = append(rows, []string{fmt.Sprintf("%g", pt.Rate), run.Endpoint, "skipped: " + run.Skipped, "", "", "", "", "", "", "", "", "", "", ""})
				continue
			}
			t, g := distOr(run.TTFT), distOr(run.Gap)
			at, ag := pt.AddedTTFT[run.Endpoint], pt.AddedGap[run.Endpoint]
			_, has := pt.AddedTTFT[run.Endpoint]
			row := []string{fmt.Sprintf("%g", pt.Rate), run.Endpoint, fmt.Sprintf("%d / %d", run.OK, run.Sent), errSummary(run),
				fmtUS(t.P50), fmtUS(t.P99), fmtUS(t.P999)}
			if has {
				row = append(row, signedUS(at.P50), signedUS(at.P99))
			} else {
				row = append(row, "–", "–")
			}
			row = append(row, fmtUS(g.P50), fmtUS(g.P99))
			if has {
				row = append(row, signedUS(ag.P50)+" / "+signedUS(ag.P99))
			} else {
				row = append(row, "–")
			}
			rows = append(rows, append(row, cpuCell(run), otherCell(run)))
		}
	}
	table(w, []string{"streams/s", "endpoint", "ok / sent", "errors", "TTFT p50", "TTFT p99", "TTFT p99.9", "added TTFT p50", "added TTFT p99", "gap p50", "gap p99", "added gap p50 / p99", "CPU/stream", "other load"}, rows)
}

func distOr(d *load.Dist) load.Dist {
	if d == nil {
		return load.Dist{}
	}
	return *d
}

func (r *Report) markdownHeld(w io.Writer) {
	h := r.Held
	if h == nil {
		return
	}
	fmt.Fprintf(w, "## 3. Streams held open\n\nEach stream sends %g chunk/s; a fresh gateway process per row; per stream = (highest VmRSS while held − lowest idle VmRSS) ÷ streams open.\n\n", h.TokensPerSecond)
	var rows [][]string
	for _, row := range h.Rows {
		if row.Skipped != "" {
			rows = append(rows, []string{row.Gateway, fmt.Sprint(row.Streams), "skipped: " + row.Skipped, "", "", "", "", ""})
			continue
		}
		fails := fmt.Sprintf("%d / %d", row.Failed, row.Dropped)
		if len(row.Errors) > 0 {
			fails += fmt.Sprintf(" %v", row.Errors)
		}
		rows = append(rows, []string{row.Gateway, fmt.Sprint(row.Streams), fmt.Sprint(row.Opened), fails,
			fmt.Sprintf("%.1f s", row.OpenSeconds), fmtBytes(float64(row.IdleRSS)), fmtBytes(float64(row.LoadedRSS)), fmtBytes(row.PerStream)})
	}
	table(w, []string{"gateway", "streams", "opened", "failed / dropped", "time to open", "idle RSS", "loaded RSS", "RSS per stream"}, rows)
}

func (r *Report) markdownFailover(w io.Writer) {
	f := r.Failover
	if f == nil {
		return
	}
	fmt.Fprintf(w, "## 4. Failover\n\nRoute of two targets (ordered), %g req/s non-streaming through Backstop, attempt timeout %s. The primary is healthy for %s, then fails for %s. Added = during the fault − before it. Recovery = from the fault's start until every later %s bucket of the fault is at 100 %% success (or has a median within the healthy p99).\n\n",
		f.Rate, f.Timeout, r.Settings.FailBefore, r.Settings.FailFor, f.Step)
	var rows [][]string
	for _, fr := range f.Faults {
		rows = append(rows, []string{fr.Name, fmtUS(fr.Before.Latency.P50) + " / " + fmtUS(fr.Before.Latency.P99),
			fmtUS(fr.During.Latency.P50) + " / " + fmtUS(fr.During.Latency.P99),
			signedUS(fr.Added.P50) + " / " + signedUS(fr.Added.P99),
			fmt.Sprintf("%.2f %% (%s)", 100*float64(fr.During.OK)/math.Max(1, float64(fr.During.Sent)), errSummary(fr.During)),
			msOrNever(fr.SuccessRecoveryMs), msOrNever(fr.LatencyRecoveryMs)})
	}
	table(w, []string{"primary", "before p50 / p99", "during p50 / p99", "added p50 / p99", "success during", "to 100 % success", "to healthy median"}, rows)
	for _, fr := range f.Faults {
		fmt.Fprintf(w, "Primary %s, per %s from 0.5 s before the fault (| marks its start) to 2 s into it: success %%, p50 and p99 in ms (the JSON has the whole fault)\n\n```\n", fr.Name, f.Step)
		from := max(0, fr.FaultBucket-5)
		var succ, p50, p99 []string
		for i := from; i < min(len(fr.Timeline), fr.FaultBucket+timelineShown); i++ {
			mark := " "
			if i == fr.FaultBucket {
				mark = "|"
			}
			b := fr.Timeline[i]
			succ = append(succ, fmt.Sprintf("%s%6.0f", mark, 100*b.Success))
			p50 = append(p50, mark+compactUS(b.P50))
			p99 = append(p99, mark+compactUS(b.P99))
		}
		fmt.Fprintf(w, "success %s\np50     %s\np99     %s\n```\n\n", strings.Join(succ, ""), strings.Join(p50, ""), strings.Join(p99, ""))
	}
}

// timelineShown is how many buckets of a fault the Markdown shows.
const timelineShown = 20

// compactUS writes a duration given in µs in 6 columns, in ms.
func compactUS(v float64) string {
	switch {
	case v < 9999.5:
		return fmt.Sprintf("%6.1f", v/1000)
	default:
		return fmt.Sprintf("%6.0f", v/1000)
	}
}

func msOrNever(v *float64) string {
	if v == nil {
		return "not within the fault"
	}
	return fmt.Sprintf("%.0f ms", *v)
}
