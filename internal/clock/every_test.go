package clock

import (
	"context"
	"testing"
	"time"
)

// Every runs f once per period of virtual time, measured from the end of
// the last call, and returns when its context ends.
func TestEvery(t *testing.T) {
	c := NewFake(time.Unix(0, 0))
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		Every(ctx, c, time.Second, func() { calls <- c.Now() })
		close(done)
	}()
	waitPending(t, c, 1)
	c.Advance(999 * time.Millisecond)
	select {
	case at := <-calls:
		t.Fatalf("called at %v, before a whole period", at)
	default:
	}
	for i := 1; i <= 3; i++ {
		c.Advance(time.Millisecond)
		if at := <-calls; at != time.Unix(0, 0).Add(time.Duration(i)*time.Second) {
			t.Fatalf("call %d at %v", i, at)
		}
		waitPending(t, c, 1)
		if i < 3 {
			c.Advance(999 * time.Millisecond)
		}
	}
	cancel()
	<-done
	if n := c.Pending(); n != 0 {
		t.Fatalf("%d timers left after Every returned", n)
	}
}

// waitPending waits until the goroutine under test has set n timers.
func waitPending(t *testing.T, c *Fake, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); c.Pending() != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d timers pending, want %d", c.Pending(), n)
		}
		time.Sleep(time.Millisecond)
	}
}
