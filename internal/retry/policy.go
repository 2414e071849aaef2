// Package retry decides, after a failed attempt, whether a request retries
// the same target, moves on to the next one, or stops; and how long a retry
// waits.
package retry

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/failure"
)

// Verdict is what a request does after a failed attempt.
type Verdict uint8

const (
	// RetrySame: wait Decision.Wait, then try the same target again.
	RetrySame Verdict = iota + 1
	// MoveOn: try the next target now.
	MoveOn
	// GiveUp: the failure was retryable but nothing is left to try (no
	// target left, or the wait would not fit): the request is exhausted.
	GiveUp
	// Fatal: the failure is not retryable under this policy; the client
	// gets it (in its dialect) at once.
	Fatal
)

func (v Verdict) String() string {
	switch v {
	case RetrySame:
		return "retry_same"
	case MoveOn:
		return "move_on"
	case GiveUp:
		return "give_up"
	case Fatal:
		return "fatal"
	}
	return "unknown"
}

// Decision is a Verdict and, for RetrySame, the wait before the retry.
type Decision struct {
	Verdict Verdict
	Wait    time.Duration
}

// Policy is a route's compiled retry policy. It is immutable and safe for
// concurrent use.
type Policy struct {
	// Attempts is the most attempts one target gets for one request.
	Attempts int
	// Base and Max shape the exponential backoff.
	Base, Max time.Duration
	// MaxWait is the longest wait before retrying the same target; a
	// longer one moves on instead.
	MaxWait time.Duration
	// Jitter returns a uniform random int64 in [0, n); nil means
	// math/rand/v2. Tests set it to make backoff deterministic.
	Jitter func(n int64) int64

	kinds    uint32     // bit k set: failure.Kind k is retryable
	statuses [10]uint64 // bit s set: HTTP status s is retryable
}

// Compile turns the config's retry section into a Policy. The config has
// been validated; an unknown entry in On is still an error here so that a
// Policy is never silently narrower than its config.
func Compile(c config.Retry) (*Policy, error) {
	p := &Policy{
		Attempts: c.Attempts,
		Base:     c.Backoff.Base.D(),
		Max:      c.Backoff.Max.D(),
		MaxWait:  c.MaxWait.D(),
	}
	if p.Attempts < 1 {
		p.Attempts = 1
	}
	for _, on := range c.On {
		if err := p.allow(on); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *Policy) allow(on string) error {
	switch on {
	case "connect":
		p.kinds |= 1 << failure.Connect
	case "timeout":
		p.kinds |= 1<<failure.Timeout | 1<<failure.Idle
	case "stream_cut":
		p.kinds |= 1 << failure.StreamCut
	case "malformed":
		p.kinds |= 1 << failure.Malformed
	default:
		code, err := strconv.Atoi(on)
		if err != nil || code < 400 || code > 599 {
			return fmt.Errorf("retry.on: %q is not a failure kind or a status 400-599", on)
		}
		p.statuses[code/64] |= 1 << (code % 64)
	}
	return nil
}

// Retryable reports whether the policy retries failure e at all.
func (p *Policy) Retryable(e *failure.Error) bool {
	if e.Kind == failure.Status || e.Kind == failure.ContextLength {
		s := e.Status
		return s >= 0 && s < 640 && p.statuses[s/64]&(1<<(s%64)) != 0
	}
	return p.kinds&(1<<e.Kind) != 0
}

// Decide says what to do after failure e on a target that has now been
// tried tries times for this request. more reports whether another target
// is left in the chain; remaining is what is left of the total deadline.
//
// A failure that means "go elsewhere" (connect, 5xx, timeouts, cut or
// malformed streams) moves on at once when another target is left, and
// only retries the same target when it is the last one. A failure that
// means "slow down" (429, 408) retries the same target after its
// Retry-After or a backoff, unless that wait exceeds MaxWait or the
// deadline, in which case it moves on.
func (p *Policy) Decide(e *failure.Error, tries int, more bool, remaining time.Duration) Decision {
	if e.Action() == failure.Stop || !p.Retryable(e) {
		return Decision{Verdict: Fatal}
	}
	next := Decision{Verdict: GiveUp}
	if more {
		next.Verdict = MoveOn
	}
	if e.Action() == failure.MoveOn && more {
		return next
	}
	if tries >= p.Attempts {
		return next
	}
	wait := e.RetryAfter
	if wait <= 0 {
		wait = p.Backoff(tries)
	}
	if wait > p.MaxWait || wait >= remaining {
		return next
	}
	return Decision{Verdict: RetrySame, Wait: wait}
}

// Backoff returns the wait before retry number n (1 for the first retry):
// full jitter, uniform in [0, min(Max, Base·2^(n-1))).
func (p *Policy) Backoff(n int) time.Duration {
	if p.Base <= 0 {
		return 0
	}
	ceiling := p.Base
	for i := 1; i < n && ceiling < p.Max; i++ {
		ceiling *= 2
	}
	if p.Max > 0 && ceiling > p.Max {
		ceiling = p.Max
	}
	jitter := p.Jitter
	if jitter == nil {
		jitter = rand.Int64N
	}
	return time.Duration(jitter(int64(ceiling)))
}
