package main

import (
	"fmt"
	"strings"
)

// BudgetItem is one line of the performance budget, measured.
type BudgetItem struct {
	Item     string `json:"item"`
	Target   string `json:"target"`
	Measured string `json:"measured"`
	// Verdict is "pass", "miss" or "not measured".
	Verdict string `json:"verdict"`
}

const notMeasured = "not measured"

func verdict(ok bool) string {
	if ok {
		return "pass"
	}
	return "miss"
}

// budget reads the budget off a report.
func budget(r *Report) []BudgetItem {
	var out []BudgetItem
	out = append(out, passthroughBudget(r.Passthrough)...)
	out = append(out, streamingBudget(r.Streaming))
	out = append(out, heldBudget(r.Held))
	out = append(out, peerBudget(r.Passthrough)...)
	return append(out, translationBudget(r.Translation)...)
}

// translationBudget compares, at 1,000 req/s, what translating adds with
// what the pass-through adds.
func translationBudget(t *TranslationResult) []BudgetItem {
	p50 := BudgetItem{Item: "cross-dialect translation at 1,000 req/s: added p50 ÷ pass-through's", Target: "≤ 2×", Measured: "not available", Verdict: notMeasured}
	p99 := BudgetItem{Item: "cross-dialect translation at 1,000 req/s: added p99 ÷ pass-through's", Target: "≤ 2×", Measured: "not available", Verdict: notMeasured}
	if t == nil {
		return []BudgetItem{p50, p99}
	}
	if !t.Available {
		p50.Measured = "not available: " + t.Reason
		p99.Measured = p50.Measured
		return []BudgetItem{p50, p99}
	}
	for _, pt := range t.Rates {
		if pt.Rate != 1000 {
			continue
		}
		f50, f99 := pt.AddedTranslated.P50/max(pt.AddedPassthrough.P50, 1), pt.AddedTranslated.P99/max(pt.AddedPassthrough.P99, 1)
		p50.Measured = fmt.Sprintf("%.1f× (%s vs %s)", f50, signedUS(pt.AddedTranslated.P50), signedUS(pt.AddedPassthrough.P50))
		p99.Measured = fmt.Sprintf("%.1f× (%s vs %s)", f99, signedUS(pt.AddedTranslated.P99), signedUS(pt.AddedPassthrough.P99))
		p50.Verdict, p99.Verdict = verdict(f50 <= 2), verdict(f99 <= 2)
	}
	return []BudgetItem{p50, p99}
}

func passthroughBudget(p *PassthroughResult) []BudgetItem {
	p50 := BudgetItem{Item: "non-streaming pass-through at 1,000 req/s: added p50", Target: "≤ 100 µs", Verdict: notMeasured}
	p99 := BudgetItem{Item: "non-streaming pass-through at 1,000 req/s: added p99", Target: "≤ 500 µs", Verdict: notMeasured}
	tp := BudgetItem{Item: "max throughput through Backstop, of direct", Target: "≥ 40 %", Verdict: notMeasured}
	if p != nil {
		if d, ok := rateAdded(p, 1000, "backstop"); ok {
			p50.Measured, p50.Verdict = signedUS(d.P50), verdict(d.P50 <= 100)
			p99.Measured, p99.Verdict = signedUS(d.P99), verdict(d.P99 <= 500)
			if f, ok := rateAdded(p, 1000, "relay"); ok {
				p50.Measured += " (relay floor " + signedUS(f.P50) + ")"
				p99.Measured += " (relay floor " + signedUS(f.P99) + ")"
			}
		}
		if f, ok := p.Saturation.OfDirect["backstop"]; ok {
			tp.Measured = fmt.Sprintf("%.0f %% (%.0f of %.0f req/s)", 100*f, runNamed(p.Saturation.Runs, "backstop").Throughput, p.Saturation.Runs[0].Throughput)
			tp.Verdict = verdict(f >= 0.40)
		}
	}
	return []BudgetItem{p50, p99, tp}
}

func streamingBudget(s *StreamingResult) BudgetItem {
	b := BudgetItem{Item: "streaming at 1,000 streams/s: added TTFT p99", Target: "≤ 1 ms", Verdict: notMeasured}
	if s == nil {
		return b
	}
	for _, pt := range s.Rates {
		if d, ok := pt.AddedTTFT["backstop"]; ok && pt.Rate == 1000 {
			b.Measured, b.Verdict = signedUS(d.P99), verdict(d.P99 <= 1000)
			if f, ok := pt.AddedTTFT["relay"]; ok {
				b.Measured += " (relay floor " + signedUS(f.P99) + ")"
			}
		}
	}
	return b
}

func heldBudget(h *HeldResult) BudgetItem {
	b := BudgetItem{Item: "resident memory per held-open stream at 5,000 streams", Target: "≤ 40 KB", Verdict: notMeasured}
	if h == nil {
		return b
	}
	var ran []string
	for _, row := range h.Rows {
		if row.Gateway == "backstop" {
			ran = append(ran, fmt.Sprint(row.Streams))
		}
	}
	b.Measured = "not run at 5,000 streams (ran: " + strings.Join(ran, ", ") + ")"
	for _, row := range h.Rows {
		if row.Gateway == "backstop" && row.Streams == 5000 && row.Skipped == "" && row.Opened > 0 {
			b.Measured = fmt.Sprintf("%.1f KB (%d of 5000 streams open)", row.PerStream/1000, row.Opened)
			b.Verdict = verdict(row.PerStream <= 40_000 && row.Opened == 5000)
		}
	}
	return b
}

// peerBudget compares Backstop's added latency with Portkey's at 200 req/s
// and the two maximum throughputs.
func peerBudget(p *PassthroughResult) []BudgetItem {
	p50 := BudgetItem{Item: "vs Portkey at 200 req/s: Portkey's added p50 ÷ Backstop's", Target: "≥ 20×", Verdict: notMeasured}
	p99 := BudgetItem{Item: "vs Portkey at 200 req/s: Portkey's added p99 ÷ Backstop's", Target: "≥ 20×", Verdict: notMeasured}
	tp := BudgetItem{Item: "max throughput: Backstop's ÷ Portkey's", Target: "≥ 25×", Verdict: notMeasured}
	if p == nil {
		return []BudgetItem{p50, p99, tp}
	}
	bs, ok1 := rateAdded(p, 200, "backstop")
	pk, ok2 := rateAdded(p, 200, "portkey")
	if ok1 && ok2 {
		p50.Measured, p50.Verdict = ratio(pk.P50, bs.P50)
		p99.Measured, p99.Verdict = ratio(pk.P99, bs.P99)
		if f, ok := rateAdded(p, 200, "relay"); ok {
			p50.Measured += aboveFloor(pk.P50, bs.P50, f.P50)
			p99.Measured += aboveFloor(pk.P99, bs.P99, f.P99)
		}
	}
	b, k := runNamed(p.Saturation.Runs, "backstop"), runNamed(p.Saturation.Runs, "portkey")
	if b.Skipped == "" && k.Skipped == "" && k.Throughput > 0 {
		f := b.Throughput / k.Throughput
		tp.Measured = fmt.Sprintf("%.1f× (%.0f vs %.0f req/s)", f, b.Throughput, k.Throughput)
		tp.Verdict = verdict(f >= 25)
	}
	return []BudgetItem{p50, p99, tp}
}

// ratio states peer ÷ ours, both added latencies in µs. Added latency at
// or below zero is within the noise of the direct run; the ratio is then
// taken against 1 µs, and says so.
func ratio(peer, ours float64) (string, string) {
	floor := ours
	note := ""
	if floor < 1 {
		floor, note = 1, " (Backstop's added latency is ≤ 0, within noise: ratio taken against 1 µs)"
	}
	f := peer / floor
	return fmt.Sprintf("%.0f× (Portkey %s, Backstop %s)%s", f, signedUS(peer), signedUS(ours), note), verdict(f >= 20)
}

// aboveFloor states the ratio of what each gateway adds above the relay's
// floor, when both add something above it.
func aboveFloor(peer, ours, floor float64) string {
	if ours-floor < 1 || peer-floor < 1 {
		return fmt.Sprintf("; relay floor %s", signedUS(floor))
	}
	return fmt.Sprintf("; above the relay floor (%s): %.0f×", signedUS(floor), (peer-floor)/(ours-floor))
}

func rateAdded(p *PassthroughResult, rate float64, gw string) (Delta, bool) {
	for _, pt := range p.Rates {
		if pt.Rate == rate {
			d, ok := pt.Added[gw]
			return d, ok
		}
	}
	return Delta{}, false
}

func runNamed(runs []Run, name string) Run {
	for _, r := range runs {
		if r.Endpoint == name {
			return r
		}
	}
	return Run{Endpoint: name, Skipped: "not run"}
}
