package fleet

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/route"
)

func testRouter(t *testing.T) *route.Router {
	t.Helper()
	cfg, err := config.Parse([]byte(`
providers: {p: {type: openai, base_url: "http://127.0.0.1:9/v1"}}
targets: {a: {provider: p, model: m}, b: {provider: p, model: m}}
routes: {main: {targets: [a, b]}}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := route.Build(cfg, route.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	return rt
}

func encoded(t *testing.T, version uint64, publishedAt time.Time, aDown bool) []byte {
	t.Helper()
	b, err := Encode(&Table{Version: version, PublishedAt: publishedAt.UnixNano(), Publisher: "test",
		Routes: map[string]map[string]Entry{"main": {"a": {Weight: 1, Score: 1, Down: aDown}, "nope": {}}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func first(rt *route.Router) string { return rt.Route("main").Chain(nil)[0].Name }

// Newer tables apply, older and equal ones do not; with no newer table
// for stale_after the gateway routes on local health, and a fresh table
// resumes the shared one.
func TestFollowerVersionsAndStaleness(t *testing.T) {
	rt := testRouter(t)
	c := clock.NewFake(t0)
	var logs bytes.Buffer
	m := metrics.NewFleet(prometheus.NewRegistry())
	f := NewFollower(func() *route.Router { return rt }, 5*time.Second, c, slog.New(slog.NewTextHandler(&logs, nil)), m)

	f.Offer(encoded(t, 10, t0.Add(-20*time.Millisecond), true), "redis")
	if first(rt) != "b" || f.Status().Source != "shared" || f.Status().Version != 10 {
		t.Fatalf("after v10 (a down): first %s, status %+v", first(rt), f.Status())
	}
	if n := testutil.CollectAndCount(m.ApplyDelay); n != 1 {
		t.Fatalf("apply delay samples = %d", n)
	}
	f.Offer(encoded(t, 9, t0, false), "redis")
	f.Offer(encoded(t, 10, t0, false), "redis")
	if first(rt) != "b" || f.Status().Version != 10 {
		t.Fatalf("an older or equal version was applied: first %s, %+v", first(rt), f.Status())
	}
	f.Offer([]byte(`{"version":`), "file")
	if !strings.Contains(logs.String(), "shared routing table refused") {
		t.Error("a bad table was not logged")
	}
	if strings.Count(logs.String(), "main/nope") != 1 {
		t.Errorf("the unknown target was not logged exactly once:\n%s", logs.String())
	}

	c.Advance(5*time.Second - time.Millisecond)
	f.Check()
	if f.Status().Source != "shared" {
		t.Fatal("stale before stale_after")
	}
	c.Advance(time.Millisecond)
	f.Check()
	if st := f.Status(); st.Source != "local" || !st.Stale || first(rt) != "a" {
		t.Fatalf("after stale_after: %+v, first %s", st, first(rt))
	}
	if testutil.ToFloat64(m.Stale) != 1 || testutil.ToFloat64(m.Source.WithLabelValues("local")) != 1 {
		t.Error("stale metrics not set")
	}
	f.Offer(encoded(t, 11, c.Now(), true), "redis")
	if st := f.Status(); st.Source != "shared" || st.Stale || first(rt) != "b" {
		t.Fatalf("after a fresh table: %+v, first %s", st, first(rt))
	}
	if !strings.Contains(logs.String(), "resuming") {
		t.Error("resumption not logged")
	}
}

// A config reload builds a new router; Reapply puts the table in force
// on it.
func TestFollowerReapply(t *testing.T) {
	rt := testRouter(t)
	f := NewFollower(func() *route.Router { return rt }, time.Minute, clock.NewFake(t0), slog.New(slog.DiscardHandler), metrics.NewFleet(prometheus.NewRegistry()))
	f.Offer(encoded(t, 1, t0, true), "file")
	rt = testRouter(t)
	if first(rt) != "a" {
		t.Fatal("new router already has the table")
	}
	f.Reapply()
	if first(rt) != "b" {
		t.Fatal("Reapply did not apply the table to the new router")
	}
}
