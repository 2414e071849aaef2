package config

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Fleet configures what several gateway replicas share: a routing table
// published by `backstop check` and the per-target outcome aggregates the
// checker scores. With no fleet block (the default), a gateway is one
// self-contained binary that scores on its own traffic, as before.
type Fleet struct {
	// Redis is the shared store (Redis or Valkey). Default: none.
	Redis FleetRedis `yaml:"redis"`
	// Table says where a gateway reads the shared routing table from.
	Table FleetTable `yaml:"table"`
	// Aggregates configures the push of a gateway's passive health to
	// the shared store, for the checker.
	Aggregates FleetAggregates `yaml:"aggregates"`
	// Checker configures `backstop check`.
	Checker Checker `yaml:"checker"`
}

// FleetRedis is the connection to the shared store.
type FleetRedis struct {
	// URL is redis://[user:password@]host:port/db (rediss:// for TLS).
	// It is a secret because it may hold a password; it is logged only
	// with the password redacted. Default "" (no Redis).
	URL Secret `yaml:"url"`
	// Password, when set, overrides the URL's password, so the URL can
	// stay in the file and the password come from ${ENV}. Default "".
	Password Secret `yaml:"password"`
	// KeyPrefix starts every key Backstop writes, so that several fleets
	// can share one server. Default "backstop".
	KeyPrefix string `yaml:"key_prefix"`
}

// Table subscription modes.
const (
	SubscribeNone  = "none"
	SubscribeRedis = "redis"
	SubscribeFile  = "file"
)

// FleetTable is how a gateway follows the shared routing table.
type FleetTable struct {
	// Subscribe is "none" (score on local health only), "redis" (pub/sub
	// on the table channel, with a full read on every (re)connect) or
	// "file" (watch Path, e.g. a mounted ConfigMap). Default "none".
	Subscribe string `yaml:"subscribe"`
	// Path is the table file for subscribe: file. Default
	// "/etc/backstop/table/table.json".
	Path string `yaml:"path"`
	// StaleAfter is how long a shared table stays in force without a
	// newer one; after that the gateway falls back to its own passive
	// health until a fresh table arrives. Default 30s.
	StaleAfter Duration `yaml:"stale_after"`
}

// FleetAggregates configures the push of passive health.
type FleetAggregates struct {
	// Push sends this gateway's per-target health snapshots to Redis
	// every Interval, off the request path. It needs redis.url. Default
	// true.
	Push bool `yaml:"push"`
	// Interval is the time between two pushes. Default 1s.
	Interval Duration `yaml:"interval"`
}

// Publication sinks of the checker.
const (
	SinkRedis     = "redis"
	SinkFile      = "file"
	SinkConfigMap = "configmap"
)

var sinks = []string{SinkRedis, SinkFile, SinkConfigMap}

// Checker configures `backstop check`, which probes and scores out of
// band and publishes the routing table.
type Checker struct {
	// Publish lists the sinks: "redis", "file", "configmap", in any
	// combination. Default none; `backstop check` needs at least one.
	Publish []string `yaml:"publish"`
	// File is the file the "file" sink replaces atomically. Default ""
	// (the table.path).
	File string `yaml:"file"`
	// ConfigMap is the ConfigMap the "configmap" sink updates.
	ConfigMap CheckerConfigMap `yaml:"configmap"`
	// Lease is the leader lease: one checker publishes, and a standby
	// takes over within one lease after the leader dies. Renewed every
	// third of it. Default 10s.
	Lease Duration `yaml:"lease"`
	// Interval is the time between two tables. Default 1s.
	Interval Duration `yaml:"interval"`
}

// CheckerConfigMap names a ConfigMap and its key.
type CheckerConfigMap struct {
	// Namespace is the ConfigMap's namespace. Required for the sink.
	Namespace string `yaml:"namespace"`
	// Name is the ConfigMap's name. Required for the sink.
	Name string `yaml:"name"`
	// Key is the data key the table is written under. Default
	// "table.json".
	Key string `yaml:"key"`
}

// Fleet defaults.
const (
	defaultKeyPrefix     = "backstop"
	defaultTablePath     = "/etc/backstop/table/table.json"
	defaultStaleAfter    = 30 * time.Second
	defaultPushInterval  = time.Second
	defaultLease         = 10 * time.Second
	defaultCheckInterval = time.Second
	defaultConfigMapKey  = "table.json"
	minLeaseOverInterval = 2
)

func defaultFleet() Fleet {
	return Fleet{
		Redis:      FleetRedis{KeyPrefix: defaultKeyPrefix},
		Table:      FleetTable{Subscribe: SubscribeNone, Path: defaultTablePath, StaleAfter: Duration(defaultStaleAfter)},
		Aggregates: FleetAggregates{Push: true, Interval: Duration(defaultPushInterval)},
		Checker: Checker{
			ConfigMap: CheckerConfigMap{Key: defaultConfigMapKey},
			Lease:     Duration(defaultLease),
			Interval:  Duration(defaultCheckInterval),
		},
	}
}

// HasRedis reports whether a Redis URL is set.
func (f *Fleet) HasRedis() bool { return f.Redis.URL != "" }

// PushesAggregates reports whether a gateway pushes its health.
func (f *Fleet) PushesAggregates() bool { return f.Aggregates.Push && f.HasRedis() }

// TableFile is the file the checker's file sink writes.
func (f *Fleet) TableFile() string {
	if f.Checker.File != "" {
		return f.Checker.File
	}
	return f.Table.Path
}

// RedactURL returns a Redis URL with its password replaced, for logs.
// A URL that does not parse is not shown at all.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// fleet checks the fleet block. A Config built in code with no fleet
// (the zero Fleet) is a single binary and has nothing to check.
func (v *validator) fleet(f *Fleet) {
	if reflect.DeepEqual(*f, Fleet{}) {
		return
	}
	if f.Redis.URL != "" {
		u, err := url.Parse(f.Redis.URL.Value())
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			v.add("fleet.redis.url", "not a redis:// or rediss:// URL; write e.g. redis://127.0.0.1:6379/0")
		}
	}
	if f.Redis.KeyPrefix == "" || strings.ContainsAny(f.Redis.KeyPrefix, " \t\r\n") {
		v.add("fleet.redis.key_prefix", "%q must be a non-empty name without spaces", f.Redis.KeyPrefix)
	}
	switch f.Table.Subscribe {
	case SubscribeNone:
	case SubscribeRedis:
		if !f.HasRedis() {
			v.add("fleet.table.subscribe", "subscribe: redis needs fleet.redis.url")
		}
	case SubscribeFile:
		if f.Table.Path == "" {
			v.add("fleet.table.path", "path is required for subscribe: file")
		}
	default:
		v.add("fleet.table.subscribe", "unknown mode %q (use one of none, redis, file)", f.Table.Subscribe)
	}
	if f.Table.StaleAfter <= 0 {
		v.add("fleet.table.stale_after", "%s must be > 0", f.Table.StaleAfter)
	}
	if f.Aggregates.Interval <= 0 {
		v.add("fleet.aggregates.interval", "%s must be > 0", f.Aggregates.Interval)
	}
	c := &f.Checker
	seen := map[string]bool{}
	for i, s := range c.Publish {
		p := indexPath("fleet.checker.publish", i)
		switch {
		case !slices.Contains(sinks, s):
			v.add(p, "unknown sink %q (use any of %s)", s, strings.Join(sinks, ", "))
		case seen[s]:
			v.add(p, "%q is listed twice", s)
		case s == SinkRedis && !f.HasRedis():
			v.add(p, "publish to redis needs fleet.redis.url")
		case s == SinkFile && f.TableFile() == "":
			v.add("fleet.checker.file", "file is required for the file sink")
		case s == SinkConfigMap:
			if c.ConfigMap.Namespace == "" {
				v.add("fleet.checker.configmap.namespace", "namespace is required for the configmap sink")
			}
			if c.ConfigMap.Name == "" {
				v.add("fleet.checker.configmap.name", "name is required for the configmap sink")
			}
			if c.ConfigMap.Key == "" {
				v.add("fleet.checker.configmap.key", "key must not be empty")
			}
		}
		seen[s] = true
	}
	if c.Interval <= 0 {
		v.add("fleet.checker.interval", "%s must be > 0", c.Interval)
	}
	if c.Lease < minLeaseOverInterval*c.Interval {
		v.add("fleet.checker.lease", "%s must be at least %d times the interval (%s), so a leader renews it in time", c.Lease, minLeaseOverInterval, c.Interval)
	}
}
