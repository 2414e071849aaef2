package gateway

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/failure"
)

// watchdog cancels an attempt that waits too long: first for its first
// token, then between chunks. When it fires it records which of the two
// ran out, so that the attempt's error is classified as a timeout and not
// as the cancellation it causes.
type watchdog struct {
	cancel context.CancelFunc
	timer  clock.Timer
	phase  atomic.Uint32 // the failure.Kind the timer stands for now
	fired  atomic.Uint32 // the failure.Kind that fired, or 0
}

// start arms the watchdog for the first token. d <= 0 means no limit.
func (w *watchdog) start(c clock.Clock, d time.Duration, cancel context.CancelFunc) {
	w.cancel = cancel
	w.phase.Store(uint32(failure.Timeout))
	if d > 0 {
		w.timer = c.AfterFunc(d, w.fire)
	}
}

func (w *watchdog) fire() {
	w.fired.Store(w.phase.Load())
	w.cancel()
}

// idle re-arms the watchdog for the gap until the next chunk. d <= 0
// means no limit.
func (w *watchdog) idle(c clock.Clock, d time.Duration) {
	w.phase.Store(uint32(failure.Idle))
	switch {
	case d <= 0:
		w.stop()
	case w.timer == nil:
		w.timer = c.AfterFunc(d, w.fire)
	default:
		w.timer.Reset(d)
	}
}

func (w *watchdog) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// firedKind returns the timeout that fired, or 0.
func (w *watchdog) firedKind() failure.Kind { return failure.Kind(w.fired.Load()) }
