package route

import (
	"reflect"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
)

func orderedRouter(t *testing.T) *Router {
	t.Helper()
	cfg, err := config.Parse([]byte(`
providers: {p: {type: openai, base_url: "http://127.0.0.1:9/v1"}}
targets: {a: {provider: p, model: m}, b: {provider: p, model: m}, c: {provider: p, model: m}}
routes:
  o:
    targets: [a, b]
    fallbacks: [c]
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := Build(cfg, Options{Clock: clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	return rt
}

func chainNames(ts []*Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

// A shared table that marks the first target of an ordered route down
// moves it after the others, fallbacks included, before and after local
// table updates; clearing it restores the config order.
func TestSharedDownGoesLast(t *testing.T) {
	rt := orderedRouter(t)
	r := rt.Route("o")
	unknown := rt.ApplyShared(Shared{"o": {"a": {Down: true, Reason: "errors 100% > 2%"}}})
	if len(unknown) != 0 {
		t.Fatalf("unknown = %v", unknown)
	}
	if got := chainNames(r.Chain(nil)); !reflect.DeepEqual(got, []string{"b", "c", "a"}) {
		t.Fatalf("chain with a down = %v, want [b c a]", got)
	}
	rt.UpdateTable(time.Now())
	if got := chainNames(r.Chain(nil)); !reflect.DeepEqual(got, []string{"b", "c", "a"}) {
		t.Fatalf("a local update overwrote the shared table: chain = %v", got)
	}
	if !rt.SharedInForce() {
		t.Fatal("SharedInForce = false")
	}
	rt.ClearShared()
	if got := chainNames(r.Chain(nil)); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("chain after clearing = %v, want [a b c]", got)
	}
}

// Shared weights replace local ones while in force; local weights
// resume when the shared table is cleared.
func TestSharedWeightsOverrideLocal(t *testing.T) {
	rt, fake := tableRouter(t)
	rt.UpdateTable(fake.Now())
	rt.ApplyShared(Shared{"r": {"a": {Weight: 10, Score: 0.5, Reason: "p99 2s > 1s"}}})
	live := rt.Route("r").Live()
	if live.Members[0].Weight != 10 || live.Members[0].Score != 0.5 || live.Members[1].Weight != 30 {
		t.Fatalf("live = %+v", live.Members)
	}
	fake.Advance(time.Second)
	rt.UpdateTable(fake.Now())
	if w := rt.Route("r").Live().Members[0].Weight; w != 10 {
		t.Fatalf("weight after a local update = %v, want the shared 10", w)
	}
	if w := rt.Table().Routes["r"].Members[0].Weight; w != 70 {
		t.Fatalf("local table weight = %v, want 70 (local scoring goes on)", w)
	}
	rt.ClearShared()
	if w := rt.Route("r").Live().Members[0].Weight; w != 70 {
		t.Fatalf("weight after clearing = %v, want the local 70", w)
	}
}

// What the router does not have is reported and the rest applied.
func TestSharedUnknownNames(t *testing.T) {
	rt := orderedRouter(t)
	unknown := rt.ApplyShared(Shared{
		"o":     {"a": {Down: true}, "zz": {}},
		"other": {"a": {}},
	})
	if !reflect.DeepEqual(unknown, []string{"o/zz", "other/a"}) {
		t.Fatalf("unknown = %v", unknown)
	}
	if got := chainNames(rt.Route("o").Chain(nil)); got[0] != "b" {
		t.Fatalf("the matching entry was not applied: chain = %v", got)
	}
}
