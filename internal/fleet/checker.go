package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/probe"
	"github.com/backstophq/backstop/internal/route"
)

// Checker is `backstop check`: it probes the config's targets, scores
// them on the probes plus the whole fleet's pushed traffic, and, while it
// holds the lease, publishes the routing table to its sinks every
// interval. Without Redis there is no lease: the checker always
// publishes, so run one.
type Checker struct {
	cfg     *config.Config
	id      string
	clock   clock.Clock
	log     *slog.Logger
	metrics *metrics.Checker

	router *route.Router
	prober *probe.Prober
	rdb    *redis.Client // nil without Redis
	keys   Keys
	lease  *Lease // nil without Redis
	sinks  []Publisher

	leader      bool
	sinkFailing map[string]bool // a failure of the sink was logged
	redisDown   bool            // a Redis error was logged; the next success is
	last        uint64          // the last version this checker published
	prev        route.Shared    // the last table published, by anyone
}

// CheckerOptions are what NewChecker needs besides the config.
type CheckerOptions struct {
	// ID names this checker in the lease and in its tables. Default:
	// NewReplicaID().
	ID string
	// Clock; default the wall clock.
	Clock clock.Clock
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Metrics; required.
	Metrics *metrics.Checker
	// UserAgent is what probes send.
	UserAgent string
}

// NewChecker builds a checker of cfg. It fails on a sink it cannot
// build (a configmap sink in a build without Kubernetes support, or no
// sink at all).
func NewChecker(cfg *config.Config, opts CheckerOptions) (*Checker, error) {
	if opts.ID == "" {
		opts.ID = NewReplicaID()
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	f := &cfg.Fleet
	if len(f.Checker.Publish) == 0 {
		return nil, errors.New("fleet.checker.publish: no sink; list at least one of redis, file, configmap")
	}
	c := &Checker{cfg: cfg, id: opts.ID, clock: opts.Clock, log: opts.Logger, metrics: opts.Metrics, keys: NewKeys(f.Redis.KeyPrefix), sinkFailing: map[string]bool{}}
	if f.HasRedis() {
		rdb, err := NewRedis(f)
		if err != nil {
			return nil, err
		}
		c.rdb = rdb
		c.lease = NewLease(rdb, c.keys, c.id, f.Checker.Lease.D(), c.clock)
	}
	// Redis first: its publish is fenced, and a checker it refuses has
	// lost the lease and must not write the other sinks.
	for _, want := range []string{config.SinkRedis, config.SinkFile, config.SinkConfigMap} {
		for _, s := range f.Checker.Publish {
			if s != want {
				continue
			}
			switch s {
			case config.SinkRedis:
				c.sinks = append(c.sinks, NewRedisPublisher(c.rdb, c.keys, c.lease, c.id))
			case config.SinkFile:
				c.sinks = append(c.sinks, FilePublisher{Path: f.TableFile()})
			case config.SinkConfigMap:
				p, err := NewConfigMapPublisher(f.Checker.ConfigMap.Namespace, f.Checker.ConfigMap.Name, f.Checker.ConfigMap.Key)
				if err != nil {
					c.Close()
					return nil, fmt.Errorf("fleet.checker.configmap: %w", err)
				}
				c.sinks = append(c.sinks, p)
			}
		}
	}
	router, err := route.Build(cfg, route.Options{UserAgent: opts.UserAgent, Clock: c.clock})
	if err != nil {
		c.Close()
		return nil, err
	}
	c.router = router
	c.prober = probe.New(probe.FromConfig(cfg, router.Targets()), probe.Options{Clock: c.clock})
	return c, nil
}

// NewReplicaID returns host-pid-random: unique per process, readable in
// logs.
func NewReplicaID() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// ID is the checker's id.
func (c *Checker) ID() string { return c.id }

// Run probes, and leads or stands by, until ctx ends; then it releases
// the lease so that a standby takes over at once.
func (c *Checker) Run(ctx context.Context) {
	c.prober.Start(ctx)
	defer c.prober.Stop()
	interval := c.cfg.Fleet.Checker.Interval.D()
	now := c.clock.Now()
	nextLease, nextPublish := now, now
	t := c.clock.NewTimer(time.Hour)
	defer t.Stop()
	for {
		now = c.clock.Now()
		if c.lease != nil && !now.Before(nextLease) {
			wait, err := c.lease.Tick(ctx)
			c.redisResult(ctx, err)
			nextLease = now.Add(wait)
		}
		c.setLeader(ctx, c.lease == nil || c.lease.Held())
		if c.leader && !now.Before(nextPublish) {
			c.publish(ctx)
			nextPublish = now.Add(interval)
		}
		next := nextPublish
		if c.lease != nil && nextLease.Before(next) || !c.leader {
			next = nextLease
		}
		t.Reset(max(next.Sub(c.clock.Now()), time.Millisecond))
		select {
		case <-ctx.Done():
			c.release()
			return
		case <-t.C():
		}
	}
}

func (c *Checker) release() {
	if c.lease == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if c.lease.Held() {
		if err := c.lease.Release(ctx); err != nil {
			c.log.Warn("checker lease release", "err", err.Error())
		} else {
			c.log.Info("checker released the lease")
		}
	}
}

// setLeader records a leadership change. On becoming leader it continues
// from the stored table, so that weights keep moving in steps across a
// change of leader.
func (c *Checker) setLeader(ctx context.Context, leader bool) {
	if leader == c.leader {
		return
	}
	c.leader = leader
	state := "standby"
	if leader {
		state = "leader"
		c.metrics.Leader.Set(1)
		var token uint64
		if c.lease != nil {
			token = c.lease.Token()
		}
		c.log.Info("checker is the leader; publishing", "id", c.id, "token", token)
		c.adoptStored(ctx)
	} else {
		c.metrics.Leader.Set(0)
		c.log.Warn("checker lost the lease; standing by", "id", c.id)
	}
	c.metrics.LeaseTransitions.WithLabelValues(state).Inc()
}

func (c *Checker) adoptStored(ctx context.Context) {
	if c.rdb == nil {
		return
	}
	b, err := StoredTable(ctx, c.rdb, c.keys)
	if err != nil || b == nil {
		return
	}
	if t, err := Decode(b); err == nil {
		c.prev = t.Shared()
		c.last = max(c.last, t.Version)
	}
}

// publish scores and publishes one table to every sink.
func (c *Checker) publish(ctx context.Context) {
	stats := c.stats(ctx)
	shared := c.router.ScoreShared(stats, c.prev)
	var stored uint64
	if c.rdb != nil {
		v, err := StoredVersion(ctx, c.rdb, c.keys)
		if err == nil {
			stored = v
		}
	}
	now := c.clock.Now()
	t := &Table{Version: NextVersion(stored, c.last, now), PublishedAt: now.UnixNano(), Publisher: c.id, Routes: FromShared(shared)}
	if c.lease != nil {
		t.Token = c.lease.Token()
	}
	raw, err := Encode(t)
	if err != nil {
		c.log.Error("encoding the routing table", "err", err.Error())
		return
	}
	published := false
	for _, s := range c.sinks {
		err := s.Publish(ctx, t.Version, raw)
		result := "ok"
		switch {
		case errors.Is(err, ErrNotLeader), errors.Is(err, ErrStaleToken), errors.Is(err, ErrOldVersion) && s.Name() == config.SinkRedis:
			c.metrics.Publishes.WithLabelValues(s.Name(), "fenced").Inc()
			c.log.Warn("publication refused; another checker leads", "sink", s.Name(), "version", t.Version, "err", err.Error())
			if c.lease != nil {
				c.lease.Lost()
			}
			c.setLeader(ctx, false)
			return
		case errors.Is(err, ErrOldVersion), errors.Is(err, ErrSuperseded):
			// A file or ConfigMap already holds a newer table: another
			// checker led meanwhile. Redis alone decides leadership.
			result = "superseded"
		case err != nil:
			result = "error"
			if !c.sinkFailing[s.Name()] && ctx.Err() == nil {
				c.sinkFailing[s.Name()] = true
				c.log.Warn("publication failed; retrying every interval", "sink", s.Name(), "version", t.Version, "err", err.Error())
			}
		default:
			published = true
			if c.sinkFailing[s.Name()] {
				c.sinkFailing[s.Name()] = false
				c.log.Info("publication succeeds again", "sink", s.Name(), "version", t.Version)
			}
		}
		c.metrics.Publishes.WithLabelValues(s.Name(), result).Inc()
	}
	if published {
		c.last, c.prev = t.Version, shared
		c.log.Debug("routing table published", "version", t.Version)
	}
}

// stats merges the checker's own probe results with the fleet's pushed
// health, per target.
func (c *Checker) stats(ctx context.Context) map[string]health.Stats {
	merged := map[string]health.Sketch{}
	for name, t := range c.router.Targets() {
		merged[name] = t.Health.Sketch()
	}
	if c.rdb != nil {
		fleet, err := FleetSketches(ctx, c.rdb, c.keys)
		c.redisResult(ctx, err)
		for name, s := range fleet {
			if m, ok := merged[name]; ok {
				m.Merge(s)
				merged[name] = m
			}
		}
	}
	out := make(map[string]health.Stats, len(merged))
	for name, s := range merged {
		out[name] = s.Stats()
	}
	return out
}

// redisResult logs the first Redis error of an outage and its end, not
// every failed call of every tick.
func (c *Checker) redisResult(ctx context.Context, err error) {
	switch {
	case err != nil && !c.redisDown && ctx.Err() == nil:
		c.redisDown = true
		c.log.Warn("checker: redis unavailable; a leader keeps publishing to its other sinks until its lease runs out", "err", err.Error())
	case err == nil && c.redisDown:
		c.redisDown = false
		c.log.Info("checker: redis reachable again")
	}
}

// Close releases the connections.
func (c *Checker) Close() {
	if c.router != nil {
		c.router.Close()
	}
	if c.rdb != nil {
		_ = c.rdb.Close()
	}
}
