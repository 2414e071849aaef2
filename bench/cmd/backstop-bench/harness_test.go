package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/backstophq/backstop/bench/load"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/mock"
)

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tbackstop\nVmPeak:\t  900000 kB\nVmRSS:\t   17812 kB\nRssAnon:\t 9000 kB\n"
	got, err := parseVmRSS([]byte(status))
	if err != nil || got != 17812*1024 {
		t.Fatalf("parseVmRSS = %d, %v; want %d", got, err, 17812*1024)
	}
	if _, err := parseVmRSS([]byte("Name:\tx\n")); err == nil {
		t.Fatal("no VmRSS line gave no error")
	}
}

func TestParseStatCPU(t *testing.T) {
	// The name holds a space and a parenthesis; utime 250 and stime 50
	// ticks are fields 14 and 15.
	stat := "1234 (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 500 1000 200"
	got, err := parseStatCPU([]byte(stat))
	if err != nil || got != 3*time.Second {
		t.Fatalf("parseStatCPU = %v, %v; want 3s", got, err)
	}
}

func TestParseMachineBusy(t *testing.T) {
	// user nice system idle iowait irq softirq steal: busy = 100+5+95.
	stat := "cpu  100 5 95 9000 40 10 5 30 0 0\ncpu0 50 2 25 4500 20 5 2 15 0 0\n"
	got, err := parseMachineBusy([]byte(stat))
	if err != nil || got != 2*time.Second {
		t.Fatalf("parseMachineBusy = %v, %v; want 2s", got, err)
	}
	if _, err := parseMachineBusy([]byte("intr 1 2 3\n")); err == nil {
		t.Fatal("a stat without a cpu line gave no error")
	}
}

// The gateway config the harness writes must load in this build: a config
// change elsewhere that breaks it shows here, not in a 12-minute run.
func TestGatewayConfigLoads(t *testing.T) {
	sim := mock.New(mock.Options{})
	defer sim.Close()
	var ps [5]*mock.Provider
	for i := range ps {
		p, err := sim.Start(string(rune('a'+i)), "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ps[i] = p
	}
	u := upstreams{ps[0], ps[1], ps[2], ps[3], ps[4]}
	cfg, err := config.Parse([]byte(gatewayConfig(u, "")), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{routePassthrough, routeStream, routeHeld, routeFailover} {
		if cfg.Routes[r] == nil {
			t.Errorf("route %s missing", r)
		}
	}
	if !cfg.Log.Requests {
		t.Error("request logging is off; the benchmark must run with it on")
	}
	if got := cfg.Routes[routeFailover].Timeouts.Response.D(); got != 500*time.Millisecond {
		t.Errorf("failover response timeout %v, want 500ms", got)
	}
	// With an Anthropic provider, for scenario 5, when this build has one.
	if anthropicSupported() != nil {
		t.Skip("no Anthropic provider in this build")
	}
	cfg, err = config.Parse([]byte(gatewayConfig(u, "http://"+ps[0].Addr())), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := cfg.Routes[routeTranslate]; r == nil || cfg.Providers["claude"].Type != "anthropic" {
		t.Fatalf("translation route %+v, provider %+v", r, cfg.Providers["claude"])
	}
}

func TestReplaceLatest(t *testing.T) {
	doc := []byte("# Perf\n\nMethod.\n\n<!-- bench:latest:begin -->\nold table\n<!-- bench:latest:end -->\n\nAfter.\n")
	report := demoteHeadings([]byte("# Run\n\n## 1. Table\n\n```\n# not a heading\n```\n"))
	out, err := replaceLatest(doc, report, "2026-01-01T000000Z-full")
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{"### Run", "#### 1. Table", "\n# not a heading\n", "bench/results/2026-01-01T000000Z-full.md", "Method.", "After."} {
		if !strings.Contains(s, want) {
			t.Errorf("result lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "old table") {
		t.Error("old table kept")
	}
	if _, err := replaceLatest([]byte("no markers"), report, "x"); err == nil {
		t.Error("a doc without markers gave no error")
	}
}

func TestFmtUS(t *testing.T) {
	for v, want := range map[float64]string{12.4: "12 µs", 1534: "1.53 ms", 2.5e6: "2.50 s"} {
		if got := fmtUS(v); got != want {
			t.Errorf("fmtUS(%v) = %q, want %q", v, got, want)
		}
	}
	if got := signedUS(-1500); got != "−1.50 ms" {
		t.Errorf("signedUS(-1500) = %q", got)
	}
}

func run1(name string, p50, p99 float64, tput float64) Run {
	return Run{Endpoint: name, Stats: load.Stats{OK: 10, Sent: 10, Throughput: tput, Latency: load.Dist{N: 10, P50: p50, P99: p99}}}
}

func sampleReport() *Report {
	direct, bs, pk := run1("direct", 100, 300, 0), run1("backstop", 180, 700, 0), run1("portkey", 2500, 14000, 0)
	rate := func(r float64) RatePoint {
		runs := []Run{direct, bs, pk}
		return RatePoint{Rate: r, Runs: runs, Added: deltas(runs, latencyOf)}
	}
	sat := []Run{run1("direct", 800, 2000, 25000), run1("backstop", 3000, 9000, 11000), run1("portkey", 1e5, 1e6, 400)}
	return &Report{
		Settings:    fullSettings(),
		Passthrough: &PassthroughResult{Rates: []RatePoint{rate(200), rate(1000)}, Saturation: Saturation{Workers: 32, Runs: sat, OfDirect: map[string]float64{"backstop": 0.44, "portkey": 0.016}}},
		Held:        &HeldResult{Rows: []HeldRow{{Gateway: "backstop", Streams: 5000, Opened: 5000, PerStream: 52_000}}},
		Translation: &TranslationResult{Reason: "no Anthropic provider in this build"},
	}
}

func TestBudget(t *testing.T) {
	got := map[string]BudgetItem{}
	for _, b := range budget(sampleReport()) {
		got[b.Item] = b
	}
	for item, want := range map[string]string{
		"non-streaming pass-through at 1,000 req/s: added p50":                 "pass", // +80 µs
		"non-streaming pass-through at 1,000 req/s: added p99":                 "pass", // +400 µs
		"max throughput through Backstop, of direct":                           "pass", // 44 %
		"resident memory per held-open stream at 5,000 streams":                "miss", // 52 KB
		"vs Portkey at 200 req/s: Portkey's added p50 ÷ Backstop's":            "pass", // 2400/80 = 30×
		"vs Portkey at 200 req/s: Portkey's added p99 ÷ Backstop's":            "pass", // 13700/400 = 34×
		"max throughput: Backstop's ÷ Portkey's":                               "pass", // 27.5×
		"streaming at 1,000 streams/s: added TTFT p99":                         notMeasured,
		"cross-dialect translation at 1,000 req/s: added p50 ÷ pass-through's": notMeasured,
	} {
		b, ok := got[item]
		if !ok {
			t.Errorf("no budget item %q", item)
			continue
		}
		if b.Verdict != want {
			t.Errorf("%s: %s (%s), want %s", item, b.Verdict, b.Measured, want)
		}
	}
}

func TestTranslationBudget(t *testing.T) {
	tr := &TranslationResult{Available: true, Rates: []TranslatePoint{{Rate: 1000,
		AddedPassthrough: Delta{P50: 200, P99: 400}, AddedTranslated: Delta{P50: 350, P99: 1000}}}}
	items := translationBudget(tr)
	if items[0].Verdict != "pass" || items[1].Verdict != "miss" || !strings.HasPrefix(items[1].Measured, "2.5×") {
		t.Fatalf("translation budget %+v", items)
	}
}

func TestRatioFloorsNoise(t *testing.T) {
	m, v := ratio(2000, -30)
	if v != "pass" || !strings.Contains(m, "within noise") || !strings.HasPrefix(m, "2000×") {
		t.Fatalf("ratio(2000, -30) = %q, %q", m, v)
	}
	if _, v := ratio(100, 10); v != "miss" {
		t.Fatalf("ratio(100, 10) = %q, want miss (10×)", v)
	}
}

func TestMarkdownRendersEveryScenario(t *testing.T) {
	r := sampleReport()
	r.Budget = budget(r)
	r.Streaming = &StreamingResult{Tokens: 50, TokensPerSecond: 200, Rates: []StreamPoint{{Rate: 1000, Runs: []Run{run1("direct", 1, 2, 0), skipped("portkey", "why")}}}}
	r.Failover = &FailoverResult{Rate: 200, Timeout: "500ms", Step: "100ms", Faults: []FaultRun{{
		Name: "answers 503", FaultBucket: 1, SuccessRecoveryMs: ptr(0.0),
		Timeline: []load.Bucket{{Sent: 20, OK: 20, Success: 1, P50: 500, P99: 900}, {Sent: 20, OK: 19, Success: 0.95, P50: 600, P99: 12000}},
	}}}
	var b bytes.Buffer
	r.Markdown(&b)
	s := b.String()
	for _, want := range []string{"## Budget", "## 1. Non-streaming", "### Saturation", "## 2. Streaming", "skipped: why",
		"## 3. Streams held open", "52.0 KB", "## 4. Failover", "|    95", "## 5. Cross-dialect translation", "Not available: no Anthropic provider"} {
		if !strings.Contains(s, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

// The full run waits for quiet and measures noisy slices again; the quick
// one does neither.
func TestProfilesQuietWait(t *testing.T) {
	if f := fullSettings(); f.QuietWait.D() != 2*time.Minute || f.QuietMax != 0.3 || f.validate() != nil {
		t.Fatalf("full profile: quiet wait %s, max %v, validate %v", f.QuietWait, f.QuietMax, f.validate())
	}
	if q := quickSettings(); q.QuietWait != 0 || q.validate() != nil {
		t.Fatalf("quick profile: quiet wait %s, validate %v", q.QuietWait, q.validate())
	}
}

func TestFlagsPickProfileAndOverride(t *testing.T) {
	set, f, err := parseFlags([]string{"--quick", "--rates", "300,600", "--no-peer"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if set.Profile != "quick" || set.Duration.D() != 2*time.Second || len(set.Rates) != 2 || set.Rates[1] != 600 || !f.noPeer {
		t.Fatalf("settings %+v flags %+v", set, f)
	}
	if _, _, err := parseFlags([]string{"--scenarios", "6"}, io.Discard); err == nil {
		t.Fatal("scenario 6 accepted")
	}
	if _, _, err := parseFlags([]string{"--rates", "0"}, io.Discard); err == nil {
		t.Fatal("rate 0 accepted")
	}
	var n numbers
	if err := n.Set("1, 2.5"); err != nil || n.String() != "1,2.5" {
		t.Fatalf("numbers = %v, %v", n, err)
	}
}

// The relay's figures are stated beside Backstop's; the verdict is still
// taken on gateway − direct.
func TestBudgetStatesTheRelayFloor(t *testing.T) {
	p := &PassthroughResult{Rates: []RatePoint{
		{Rate: 200, Added: map[string]Delta{"relay": {P50: 100, P99: 300}, "backstop": {P50: 150, P99: 250}, "portkey": {P50: 2100, P99: 9000}}},
		{Rate: 1000, Added: map[string]Delta{"relay": {P50: 140, P99: 280}, "backstop": {P50: 250, P99: 600}}},
	}}
	items := passthroughBudget(p)
	if items[0].Verdict != "miss" || items[0].Measured != "+250 µs (relay floor +140 µs)" {
		t.Fatalf("p50 item %+v", items[0])
	}
	peer := peerBudget(p)
	// (2100 − 100) ÷ (150 − 100) = 40× above the floor; 14× on the terms.
	if peer[0].Verdict != "miss" || !strings.Contains(peer[0].Measured, "above the relay floor (+100 µs): 40×") {
		t.Fatalf("peer p50 item %+v", peer[0])
	}
	// Backstop's p99 is under the relay's: no ratio above the floor.
	if !strings.HasSuffix(peer[1].Measured, "; relay floor +300 µs") {
		t.Fatalf("peer p99 item %+v", peer[1])
	}
}
