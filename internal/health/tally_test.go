package health

import (
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/clock"
)

func TestTally(t *testing.T) {
	c := clock.NewFake(t0)
	tally := NewTally(c, 60*time.Second, 6)
	sum := func(wantRequests, wantFailures int64) {
		t.Helper()
		r, f := tally.Sum()
		if r != wantRequests || f != wantFailures {
			t.Errorf("at %v: requests, failures = %d, %d; want %d, %d", c.Now().Sub(t0), r, f, wantRequests, wantFailures)
		}
	}
	sum(0, 0)
	tally.Add(true)
	tally.Add(false)
	c.Advance(10 * time.Second)
	tally.Add(true)
	sum(3, 2)
	c.Advance(50*time.Second - 1)
	sum(3, 2)
	c.Advance(1) // 60 s: the first bucket leaves
	sum(1, 1)
	c.Advance(10 * time.Second)
	sum(0, 0)
	c.Advance(10 * time.Minute)
	tally.Add(false)
	sum(1, 0)
}
