package fleet

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/health"
)

// Pusher sends a gateway's per-target health to Redis every interval,
// off the request path: one hash per replica, target name → Sketch JSON,
// replaced whole on each push (so a retried push cannot double-count)
// and expiring after three intervals, so that a replica that died stops
// counting. Each sketch covers the replica's health window, and sketches
// merge exactly (health.Sketch.Merge).
type Pusher struct {
	rdb      *redis.Client
	key      string
	interval time.Duration
	clock    clock.Clock
	log      *slog.Logger
	sketches func() map[string]health.Sketch
}

// NewPusher pushes under replica's key what sketches returns.
func NewPusher(rdb *redis.Client, keys Keys, replica string, interval time.Duration, c clock.Clock, log *slog.Logger, sketches func() map[string]health.Sketch) *Pusher {
	return &Pusher{rdb: rdb, key: keys.AggPrefix + replica, interval: interval, clock: c, log: log, sketches: sketches}
}

// Push sends one snapshot.
func (p *Pusher) Push(ctx context.Context) error {
	fields := make([]any, 0, 8)
	for name, s := range p.sketches() {
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		fields = append(fields, name, b)
	}
	_, err := p.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Del(ctx, p.key)
		if len(fields) > 0 {
			pipe.HSet(ctx, p.key, fields...)
		}
		pipe.PExpire(ctx, p.key, 3*p.interval)
		return nil
	})
	return err
}

// Run pushes every interval until ctx ends. Failures are logged once per
// outage: the gateway goes on serving without the store.
func (p *Pusher) Run(ctx context.Context) {
	failing := false
	clock.Every(ctx, p.clock, p.interval, func() {
		err := p.Push(ctx)
		switch {
		case err != nil && !failing && ctx.Err() == nil:
			p.log.Warn("pushing health aggregates to redis failed; retrying every interval", "err", err.Error())
			failing = true
		case err == nil && failing:
			p.log.Info("pushing health aggregates to redis again")
			failing = false
		}
	})
}

// FleetSketches reads every replica's pushed health and merges it per
// target. A field that does not decode is skipped.
func FleetSketches(ctx context.Context, rdb *redis.Client, keys Keys) (map[string]health.Sketch, error) {
	var replicas []string
	iter := rdb.Scan(ctx, 0, escapeGlob(keys.AggPrefix)+"*", 100).Iterator()
	for iter.Next(ctx) {
		replicas = append(replicas, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return nil, err
	}
	cmds := make([]*redis.MapStringStringCmd, len(replicas))
	if _, err := rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, k := range replicas {
			cmds[i] = pipe.HGetAll(ctx, k)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	out := map[string]health.Sketch{}
	for _, c := range cmds {
		for target, raw := range c.Val() {
			var s health.Sketch
			if json.Unmarshal([]byte(raw), &s) != nil {
				continue
			}
			m := out[target]
			m.Merge(s)
			out[target] = m
		}
	}
	return out, nil
}

// escapeGlob escapes SCAN MATCH's special characters (the key prefix
// has braces for the hash tag, and may hold others).
func escapeGlob(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
	return r.Replace(s)
}
