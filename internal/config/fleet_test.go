package config

import (
	"testing"
	"time"
)

func TestFleetParsed(t *testing.T) {
	cfg := mustParse(t, base(
		"fleet:",
		"  redis: {url: 'redis://:test-password@127.0.0.1:6379/0', key_prefix: bs}",
		"  table: {subscribe: redis, stale_after: 5s}",
		"  aggregates: {push: false}",
		"  checker: {publish: [redis, file, configmap], file: /tmp/t.json, configmap: {namespace: ai, name: backstop-table}, lease: 3s}",
	), noEnv)
	f := cfg.Fleet
	if f.Redis.URL.Value() != "redis://:test-password@127.0.0.1:6379/0" || f.Redis.KeyPrefix != "bs" {
		t.Errorf("redis = %+v", f.Redis)
	}
	if f.Table != (FleetTable{Subscribe: "redis", Path: "/etc/backstop/table/table.json", StaleAfter: Duration(5 * time.Second)}) {
		t.Errorf("table = %+v", f.Table)
	}
	if f.PushesAggregates() || f.Aggregates.Interval != Duration(time.Second) {
		t.Errorf("aggregates = %+v", f.Aggregates)
	}
	c := f.Checker
	if len(c.Publish) != 3 || f.TableFile() != "/tmp/t.json" || c.ConfigMap != (CheckerConfigMap{"ai", "backstop-table", "table.json"}) ||
		c.Lease != Duration(3*time.Second) || c.Interval != Duration(time.Second) {
		t.Errorf("checker = %+v", c)
	}
	if got := RedactURL(f.Redis.URL.Value()); got != "redis://:xxxxx@127.0.0.1:6379/0" {
		t.Errorf("RedactURL = %q", got)
	}
}

func TestFleetErrors(t *testing.T) {
	tests := []struct {
		name  string
		fleet []string
		want  []wantErr
	}{
		{"redis subscription without redis", []string{
			"fleet:",
			"  table: {subscribe: redis}",
		}, []wantErr{{"fleet.table.subscribe", 9, "needs fleet.redis.url"}}},
		{"unknown mode", []string{
			"fleet:",
			"  table:",
			"    subscribe: gossip",
		}, []wantErr{{"fleet.table.subscribe", 10, `unknown mode "gossip"`}}},
		{"bad url is not echoed", []string{
			"fleet:",
			"  redis: {url: 'http://user:test-password@x'}",
		}, []wantErr{{"fleet.redis.url", 9, "not a redis:// or rediss:// URL"}}},
		{"sinks", []string{
			"fleet:",
			"  checker:",
			"    publish: [redis, carrier-pigeon, file, file, configmap]",
			"    configmap: {name: t}",
		}, []wantErr{
			{"fleet.checker.publish[0]", 10, "needs fleet.redis.url"},
			{"fleet.checker.publish[1]", 10, `unknown sink "carrier-pigeon"`},
			{"fleet.checker.publish[3]", 10, "listed twice"},
			{"fleet.checker.configmap.namespace", 11, "namespace is required"},
		}},
		{"lease shorter than two intervals", []string{
			"fleet:",
			"  checker: {lease: 1s, interval: 1s}",
			"  table: {stale_after: 0s}",
		}, []wantErr{
			{"fleet.checker.lease", 9, "at least 2 times the interval"},
			{"fleet.table.stale_after", 10, "must be > 0"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parseFails(t, base(tt.fleet...), tt.want)
		})
	}
}

func TestNoFleetIsSingleBinary(t *testing.T) {
	cfg := mustParse(t, base(), noEnv)
	if cfg.Fleet.HasRedis() || cfg.Fleet.PushesAggregates() || cfg.Fleet.Table.Subscribe != SubscribeNone {
		t.Errorf("fleet = %+v, want nothing shared", cfg.Fleet)
	}
}
