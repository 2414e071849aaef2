//go:build !linux

package load

import (
	"runtime"
	"time"
)

// PinForTiming locks the calling goroutine to its OS thread; only Linux
// also narrows the thread's timer slack.
func PinForTiming() (unpin func()) {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}

func sleepKernel(d time.Duration) { time.Sleep(d) }
