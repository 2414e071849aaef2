package fleet

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/redistest"
)

func checkerConfig(t *testing.T, redisURL, file string, publish string, extra ...string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(`
providers: {p: {type: openai, base_url: "http://127.0.0.1:9/v1"}}
targets: {ta: {provider: p, model: m}, tb: {provider: p, model: m}}
routes:
  main:
    targets: [ta, tb]
    health: {consecutive_failures: 3}
fleet:
  redis: {url: "`+redisURL+`", key_prefix: t}
  checker: {publish: `+publish+`, file: "`+file+`", lease: 3s, interval: 1s`+strings.Join(extra, "")+`}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func newTestChecker(t *testing.T, cfg *config.Config, id string, c clock.Clock) *Checker {
	t.Helper()
	ch, err := NewChecker(cfg, CheckerOptions{ID: id, Clock: c, Metrics: metrics.NewChecker(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ch.Close)
	return ch
}

// The leader scores the fleet's pushed health and publishes to Redis and
// the file alike; a checker without the lease is fenced off and stands
// by.
func TestCheckerPublishesFleetHealth(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "table.json")
	cfg := checkerConfig(t, srv.URL(), file, "[redis, file]")
	c := clock.NewFake(t0)
	one := newTestChecker(t, cfg, "one", c)
	two := newTestChecker(t, cfg, "two", c)

	// A gateway saw ta fail five times in a row.
	down := health.NewWindow(c, 10*time.Second, 10)
	for range 5 {
		down.Record(health.Outcome{Counted: true})
	}
	push := NewPusher(one.rdb, one.keys, "gw-1", time.Second, c, nil, func() map[string]health.Sketch {
		return map[string]health.Sketch{"ta": down.Sketch()}
	})
	if err := push.Push(ctx); err != nil {
		t.Fatal(err)
	}

	if _, err := one.lease.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	one.setLeader(ctx, one.lease.Held())
	one.publish(ctx)
	raw, err := StoredTable(ctx, one.rdb, one.keys)
	if err != nil || raw == nil {
		t.Fatalf("stored table: %s, %v", raw, err)
	}
	fromFile, err := os.ReadFile(file)
	if err != nil || string(fromFile) != string(raw) {
		t.Fatalf("file holds %s, Redis %s (%v)", fromFile, raw, err)
	}
	tb, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Version < uint64(t0.UnixMilli()) || tb.Publisher != "one" || tb.Token != one.lease.Token() {
		t.Errorf("table header = %d %q %d", tb.Version, tb.Publisher, tb.Token)
	}
	ta, tbe := tb.Routes["main"]["ta"], tb.Routes["main"]["tb"]
	if !ta.Down || ta.Score != 0 || !strings.Contains(ta.Reason, "5 failures in a row") {
		t.Errorf("ta = %+v, want down on the fleet's failures", ta)
	}
	if tbe.Down || tbe.Score != 1 || tbe.Weight != 1 {
		t.Errorf("tb = %+v, want healthy", tbe)
	}
	first := tb.Version
	one.publish(ctx)
	if v, _ := StoredVersion(ctx, one.rdb, one.keys); v <= first {
		t.Errorf("second publication: version %d, not above %d", v, first)
	}

	if _, err := two.lease.Tick(ctx); err != nil || two.lease.Held() {
		t.Fatalf("two took a held lease: %v", err)
	}
	two.setLeader(ctx, true) // as if it believed it led
	two.publish(ctx)
	if two.leader {
		t.Error("a fenced checker still thinks it leads")
	}
	if n := testutil.ToFloat64(two.metrics.Publishes.WithLabelValues("redis", "fenced")); n != 1 {
		t.Errorf("fenced publications = %v", n)
	}
	if n := testutil.ToFloat64(two.metrics.Publishes.WithLabelValues("file", "ok")); n != 0 {
		t.Error("a fenced checker wrote the file")
	}
}

func TestCheckerConfigMapSink(t *testing.T) {
	cfg := checkerConfig(t, "redis://127.0.0.1:1/0", "/tmp/x", "[configmap]", ", configmap: {namespace: ai, name: table}")
	// Outside a cluster, the in-cluster client cannot be made: the checker
	// refuses to start rather than publish nowhere.
	_, err := NewChecker(cfg, CheckerOptions{Metrics: metrics.NewChecker()})
	if err == nil || !strings.Contains(err.Error(), "fleet.checker.configmap") {
		t.Fatalf("err = %v", err)
	}
	defaultHook := NewConfigMapPublisher
	var got []string
	NewConfigMapPublisher = func(ns, name, key string) (Publisher, error) {
		got = []string{ns, name, key}
		return nil, errors.New("no cluster")
	}
	defer func() { NewConfigMapPublisher = defaultHook }()
	if _, err := NewChecker(cfg, CheckerOptions{Metrics: metrics.NewChecker()}); err == nil || !strings.Contains(err.Error(), "no cluster") {
		t.Fatalf("err = %v", err)
	}
	if strings.Join(got, "/") != "ai/table/table.json" {
		t.Errorf("hook called with %v", got)
	}
}
