package fleet

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backstophq/backstop/internal/clock"
)

// Lease is the checker's leader lease in Redis: SET NX PX of the
// checker's id, renewed by a compare-and-pexpire script, with a fencing
// token drawn on each acquisition. Only the holder publishes, and the
// publish script refuses a token below the current epoch, so a leader
// that was paused past its lease (GC, a frozen VM) and woke up cannot
// overwrite its successor's tables.
//
// The token is max(INCR epoch, Unix ms): like versions (NextVersion), it
// keeps growing when Redis restarts empty.
//
// A Lease is used by one goroutine.
type Lease struct {
	rdb   *redis.Client
	keys  Keys
	id    string
	ttl   time.Duration
	clock clock.Clock

	token uint64
	held  bool
	// validUntil is the local time until which the lease is surely
	// held: the time the last successful acquire or renew was sent, plus
	// the ttl. Redis's expiry comes later, as the request took time to
	// arrive.
	validUntil time.Time
}

// NewLease returns a lease for the checker id.
func NewLease(rdb *redis.Client, keys Keys, id string, ttl time.Duration, c clock.Clock) *Lease {
	return &Lease{rdb: rdb, keys: keys, id: id, ttl: ttl, clock: c}
}

var acquireScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local e = redis.call('INCR', KEYS[2])
  local floor = tonumber(ARGV[3])
  if e < floor then
    redis.call('SET', KEYS[2], ARGV[3])
    e = floor
  end
  return e
end
local p = redis.call('PTTL', KEYS[1])
if p < 1 then p = 1 end
return -p
`)

var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Tick acquires the lease if it is free, or renews it if held, and
// returns how long to wait before the next Tick: a third of the ttl
// while held, and while another holds it, until its expiry (at most a
// third of the ttl), so that a standby takes over as soon as a dead
// leader's lease runs out. A Redis error keeps the lease held only while
// validUntil has not passed.
func (l *Lease) Tick(ctx context.Context) (wait time.Duration, err error) {
	poll := l.ttl / 3
	sent := l.clock.Now()
	if l.held {
		n, err := renewScript.Run(ctx, l.rdb, []string{l.keys.Leader}, l.id, l.ttl.Milliseconds()).Int64()
		switch {
		case err != nil:
			if !l.clock.Now().Before(l.validUntil) {
				l.held = false
			}
			return min(poll, time.Second), err
		case n == 0:
			l.held = false // expired and maybe taken: try again below
		default:
			l.validUntil = sent.Add(l.ttl)
			return poll, nil
		}
	}
	n, err := acquireScript.Run(ctx, l.rdb, []string{l.keys.Leader, l.keys.Epoch}, l.id, l.ttl.Milliseconds(), sent.UnixMilli()).Int64()
	if err != nil {
		return min(poll, time.Second), err
	}
	if n > 0 {
		l.held, l.token, l.validUntil = true, uint64(n), sent.Add(l.ttl)
		return poll, nil
	}
	// n is minus the holder's time left, in ms (at least 1).
	left := time.Duration(-n) * time.Millisecond
	return min(left+time.Millisecond, poll), nil
}

// Held reports whether the lease is surely held now.
func (l *Lease) Held() bool { return l.held && l.clock.Now().Before(l.validUntil) }

// Token is the fencing token of the current holding; 0 before the first.
func (l *Lease) Token() uint64 { return l.token }

// Lost marks the lease lost, when a publication was refused as fenced.
func (l *Lease) Lost() { l.held = false }

// Release gives the lease up, if held, so that a standby takes over at
// once rather than after the ttl.
func (l *Lease) Release(ctx context.Context) error {
	if !l.held {
		return nil
	}
	l.held = false
	_, err := releaseScript.Run(ctx, l.rdb, []string{l.keys.Leader}, l.id).Result()
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	return err
}
