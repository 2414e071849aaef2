package fleet

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/filewatch"
)

// Offer receives a table as published, and where it came from.
type Offer func(raw []byte, via string)

// Reconnect backoff of the Redis subscription.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 2 * time.Second
)

// RedisSubscriber follows the table channel. Pub/sub delivers at most
// once, and nothing while disconnected, so on every (re)subscription it
// also reads the stored table: a message missed during an outage is
// never a table missed. go-redis reconnects and resubscribes on the
// Receive after an error; the wait between attempts doubles up to
// maxBackoff. It runs on its own goroutine and never touches requests.
type RedisSubscriber struct {
	rdb   *redis.Client
	keys  Keys
	log   *slog.Logger
	clock clock.Clock
	offer Offer
}

// NewRedisSubscriber delivers tables to offer.
func NewRedisSubscriber(rdb *redis.Client, keys Keys, c clock.Clock, log *slog.Logger, offer Offer) *RedisSubscriber {
	return &RedisSubscriber{rdb: rdb, keys: keys, clock: c, log: log, offer: offer}
}

// Run subscribes until ctx ends.
func (s *RedisSubscriber) Run(ctx context.Context) {
	ps := s.rdb.Subscribe(ctx, s.keys.Channel)
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() }) // unblocks Receive
	defer stop()
	defer ps.Close()
	backoff, failing := minBackoff, false
	for {
		msg, err := ps.Receive(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if !failing {
				s.log.Warn("redis table subscription lost; reconnecting", "err", err.Error())
				failing = true
			}
			if clock.Sleep(ctx, s.clock, backoff) != nil {
				return
			}
			backoff = min(backoff*2, maxBackoff)
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			if failing {
				s.log.Info("redis table subscription restored")
				failing = false
			}
			backoff = minBackoff
			s.fullRead(ctx)
		case *redis.Message:
			s.offer([]byte(m.Payload), "redis")
		}
	}
}

// fullRead offers the stored table, if any.
func (s *RedisSubscriber) fullRead(ctx context.Context) {
	b, err := StoredTable(ctx, s.rdb, s.keys)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Warn("reading the stored routing table", "err", err.Error())
	case b != nil:
		s.offer(b, "redis-get")
	}
}

// FileSubscriber follows a table file, such as a mounted ConfigMap's key
// (see filewatch for the "..data" swap): it reads it at start and on
// every change.
type FileSubscriber struct {
	path  string
	log   *slog.Logger
	offer Offer
	watch *filewatch.Watch
}

// NewFileSubscriber starts watching path before it returns.
func NewFileSubscriber(path string, log *slog.Logger, offer Offer) *FileSubscriber {
	return &FileSubscriber{path: path, log: log, offer: offer, watch: filewatch.New(path, log)}
}

// Run reads the file now and on each change until ctx ends.
func (s *FileSubscriber) Run(ctx context.Context) {
	s.read()
	s.watch.Run(ctx, nil, s.read)
}

func (s *FileSubscriber) read() {
	b, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// Not published yet: the checker writes it.
	case err != nil:
		s.log.Warn("reading the routing table file", "path", s.path, "err", err.Error())
	default:
		s.offer(b, "file")
	}
}
