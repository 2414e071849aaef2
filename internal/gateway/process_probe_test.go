package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/mock"
	"github.com/backstophq/backstop/internal/probe"
)

// A gateway started from a config with probes probes its targets on the
// wall clock, exports backstop_probes_total, and stops probing on
// Shutdown (goleak in TestMain checks that nothing is left running).
func TestStartProbesTargets(t *testing.T) {
	sim := mock.New(mock.Options{Seed: 1})
	t.Cleanup(func() { _ = sim.Close() })
	sp, err := sim.Start("a", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(`
listen: 127.0.0.1:0
log: {requests: false}
providers: {a: {type: openai, base_url: "`+sp.URL()+`"}}
targets: {t: {provider: a, model: gpt-4o-mini, probe: {interval: 20ms, timeout: 20ms}}}
routes: {r: {targets: [t]}}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := Start(cfg, slog.New(slog.DiscardHandler), "backstop-test")
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Shutdown(time.Second)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// Probes never overlap, so once the second arrives the first has
	// ended and been counted.
	if err := sp.WaitRequests(ctx, 2); err != nil {
		t.Fatalf("probes did not arrive: %v", err)
	}
	if rec := sp.Stats().Recent[0]; rec.Header.Get(probe.Header) != "1" || rec.Model != "gpt-4o-mini" {
		t.Errorf("first request: model %q, %s %q; want a probe of gpt-4o-mini", rec.Model, probe.Header, rec.Header.Get(probe.Header))
	}
	resp, err := http.Get("http://" + gw.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// Whether the first probe passed depends on the machine's speed; that
	// it was counted does not.
	var ended float64
	for _, l := range strings.Split(string(body), "\n") {
		for _, result := range []string{"ok", "failed"} {
			if v, ok := strings.CutPrefix(l, `backstop_probes_total{result="`+result+`",target="t"} `); ok {
				n, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatalf("metric line %q: %v", l, err)
				}
				ended += n
			}
		}
	}
	if ended < 1 {
		t.Errorf("backstop_probes_total counts %v ended probes of t, want at least 1:\n%s", ended, body)
	}
}
