package route

import (
	"fmt"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/breaker"
	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
)

func buildAt(t *testing.T, fake *clock.Fake, yaml string) *Router {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), nil)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := Build(cfg, Options{Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	return rt
}

const adoptBase = `
providers: {p: {type: openai, base_url: "http://127.0.0.1:9/v1"}}
targets: {a: {provider: p, model: m}, b: {provider: p, model: %s}}
routes:
  r:
    strategy: weighted
    targets: [{target: a, weight: 70}, {target: b, weight: 30}]
    health: {p99_latency: 1s, min_requests: 5}
    breaker: {consecutive_failures: 2, cooldown: 1m, max_cooldown: 1m}
`

// TestAdoptKeepsHealthAcrossAReload reloads a config where target a is
// unchanged and target b changed model: a keeps its open breaker, its
// health window and its lowered live weight; b starts afresh.
func TestAdoptKeepsHealthAcrossAReload(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	old := buildAt(t, fake, fmtModel("m"))
	a := old.Targets()["a"]
	record(a, 20, 4*time.Second)
	old.UpdateTable(fake.Now())
	fake.Advance(time.Second)
	old.UpdateTable(fake.Now())
	for range 2 {
		p, _ := old.Route("r").Breaker(a).Allow()
		p.Report(false, true)
	}
	if old.Route("r").Breaker(a).State() != breaker.Open {
		t.Fatal("setup: a's breaker did not open")
	}
	oldWeight := old.Table().Routes["r"].Members[0].Weight

	next := buildAt(t, fake, fmtModel("m2"))
	next.Adopt(old)
	na, nb := next.Targets()["a"], next.Targets()["b"]
	if na.Health != a.Health || next.Route("r").Breaker(na).State() != breaker.Open {
		t.Fatal("unchanged target a lost its health or its open breaker")
	}
	if nb.Health == old.Targets()["b"].Health || next.Route("r").Breaker(nb) == old.Route("r").Breaker(old.Targets()["b"]) {
		t.Fatal("target b changed model but kept its old health")
	}
	if len(na.Breakers) != 1 || na.Breakers[0] != next.Route("r").Breaker(na) {
		t.Fatal("a's breaker list was not rebuilt")
	}
	tb := next.Table()
	if tb == nil || tb.Version != old.Table().Version || tb.Routes["r"] != nil {
		// b's model changed, so route r's members are not the same: its
		// live weights start from the base; the version goes on.
		t.Fatalf("table after adopt: %+v", tb)
	}
	// With both targets unchanged, live weights carry over.
	same := buildAt(t, fake, fmtModel("m"))
	same.Adopt(old)
	if w := same.Table().Routes["r"].Members[0].Weight; w != oldWeight || oldWeight == 70 {
		t.Fatalf("a's live weight after reload %v, before %v", w, oldWeight)
	}
	if v := same.UpdateTable(fake.Now()).Version; v != old.Table().Version+1 {
		t.Fatalf("version after reload %d, want %d", v, old.Table().Version+1)
	}
}

func fmtModel(m string) string { return fmt.Sprintf(adoptBase, m) }
