package breaker

import (
	"math"
	"math/rand/v2"
	"time"
)

// Config says when a breaker trips and how long it stays open. New applies
// the defaults stated on each field; it never fails, so values a caller
// must refuse (negative durations, an error rate above 1) are refused
// where the config is read (internal/config).
type Config struct {
	// ConsecutiveFailures trips the breaker on this many counted failures
	// in a row. 0 turns the check off.
	ConsecutiveFailures int
	// ErrorRate trips the breaker when the counted failures over Window
	// reach this share of the counted requests (failure share >=
	// ErrorRate), with at least MinRequests requests. 0 turns the check
	// off.
	ErrorRate float64
	// Window is the span of the error rate. It slides in steps of a
	// twentieth (1.5 s for 30 s) and starts empty each time the breaker
	// closes. Default 30 s.
	Window time.Duration
	// MinRequests is the fewest counted requests in Window for the error
	// rate to be judged. 0 means no minimum: one failure can trip an
	// otherwise empty window.
	MinRequests int
	// Cooldown is how long the first trip keeps the breaker open.
	// Default 30 s.
	Cooldown time.Duration
	// MaxCooldown caps the cooldown, which doubles on each trip in a row
	// (a probe that fails counts as a trip). The doubling is forgotten
	// once the breaker has stayed closed for MaxCooldown: a target that
	// fails again within that time is still flapping and gets the longer
	// cooldown. Each cooldown is jittered by ±10% after the cap, so
	// breakers that tripped together do not probe together. Default 5 min;
	// below Cooldown it means Cooldown (no doubling).
	MaxCooldown time.Duration
	// HalfOpenRequests is how many probes a half-open breaker lets
	// through at once, and how many must succeed to close it. Default 1.
	HalfOpenRequests int
	// Jitter returns a uniform random int64 in [0, n); nil means
	// math/rand/v2. Tests set it to make cooldowns exact.
	Jitter func(n int64) int64
}

// Defaults of Config.
const (
	DefaultWindow      = 30 * time.Second
	DefaultCooldown    = 30 * time.Second
	DefaultMaxCooldown = 5 * time.Minute
)

// windowBuckets is how many buckets the error-rate window slides in.
const windowBuckets = 20

// withDefaults returns c with its zero and out-of-range values replaced
// by the defaults documented on Config.
func (c Config) withDefaults() Config {
	c.ConsecutiveFailures = max(c.ConsecutiveFailures, 0)
	if !(c.ErrorRate > 0) { // also NaN
		c.ErrorRate = 0
	}
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	c.MinRequests = max(c.MinRequests, 1)
	if c.Cooldown <= 0 {
		c.Cooldown = DefaultCooldown
	}
	if c.MaxCooldown <= 0 {
		c.MaxCooldown = DefaultMaxCooldown
	}
	c.MaxCooldown = max(c.MaxCooldown, c.Cooldown)
	c.HalfOpenRequests = max(c.HalfOpenRequests, 1)
	if c.Jitter == nil {
		c.Jitter = rand.Int64N
	}
	return c
}

// cooldown returns how long the trips-th trip in a row keeps the breaker
// open: Cooldown·2^(trips−1), capped at MaxCooldown, then jittered by
// ±10%.
func (c *Config) cooldown(trips int) time.Duration {
	d := c.Cooldown
	for i := 1; i < trips && d < c.MaxCooldown && d <= math.MaxInt64/2; i++ {
		d *= 2
	}
	d = min(d, c.MaxCooldown)
	if spread := d / 10; spread > 0 {
		d += time.Duration(c.Jitter(int64(2*spread)+1)) - spread
	}
	return d
}
