package fleet

import (
	"context"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/backstophq/backstop/internal/config"
)

// Keys are the Redis keys of one fleet, all under its key prefix. They
// share the "{prefix}" hash tag, so that the publish script, which
// touches several, also runs on a Redis Cluster.
type Keys struct {
	Table     string // the encoded table in force
	Version   string // its version, as a decimal number
	Channel   string // pub/sub channel; each message is an encoded table
	Leader    string // the lease: the leader's id, with an expiry
	Epoch     string // the fencing token counter
	AggPrefix string // + replica id: a hash of target → health.Sketch JSON
}

// NewKeys returns the keys under prefix.
func NewKeys(prefix string) Keys {
	p := "{" + prefix + "}:"
	return Keys{
		Table:     p + "table",
		Version:   p + "table:version",
		Channel:   p + "table:published",
		Leader:    p + "checker:leader",
		Epoch:     p + "checker:epoch",
		AggPrefix: p + "agg:",
	}
}

// quiet drops go-redis's own log lines (one per failed dial, in its own
// format): callers log an outage once, in the JSON log, themselves.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var silenceOnce sync.Once

// NewRedis returns a client for the fleet's Redis. It does not connect:
// go-redis dials on first use and redials after failures, so a Redis that
// is down at start does not stop a gateway.
func NewRedis(f *config.Fleet) (*redis.Client, error) {
	opts, err := redis.ParseURL(f.Redis.URL.Value())
	if err != nil {
		// The URL may hold a password: say what is wrong, not what it is.
		return nil, fmt.Errorf("fleet.redis.url: not a valid Redis URL")
	}
	if f.Redis.Password != "" {
		opts.Password = f.Redis.Password.Value()
	}
	// Fail fast: every caller retries on its own timer.
	opts.MaxRetries = 0
	opts.DialerRetries = 1
	silenceOnce.Do(func() { redis.SetLogger(quiet{}) })
	return redis.NewClient(opts), nil
}
