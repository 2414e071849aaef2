package probe

import (
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/failure"
)

// sequence returns a Random that gives rs in turn, then the last one.
func sequence(rs ...float64) func() float64 {
	i := 0
	return func() float64 {
		r := rs[min(i, len(rs)-1)]
		i++
		return r
	}
}

// Probes go out one jittered wait after the previous one started, each
// wait drawn within ± Jitter of Interval, on the injected clock.
func TestProbesGoOutOnScheduleWithJitter(t *testing.T) {
	const timeout = 3 * time.Second // apart from every wait in [9s, 11s)
	s := Schedule{Interval: 10 * time.Second, Timeout: timeout, Jitter: 0.1}
	f := newFixture(t, s, sequence(0, 0.75, 0.5, 0.999999), answer)

	at := t0
	for i, wait := range []time.Duration{9 * time.Second, 10500 * time.Millisecond, 10 * time.Second} {
		f.clk.Advance(wait)
		at = at.Add(wait)
		a := recv(t, f.arrivals, "probe")
		if !a.at.Equal(at) {
			t.Errorf("probe %d arrived at %s, want %s", i, a.at.Sub(t0), at.Sub(t0))
		}
		if r := recv(t, f.results, "result"); r.Err != nil || !r.Outcome.Success || !r.Start.Equal(at) {
			t.Errorf("probe %d: %+v, want a success started at %s", i, r, at.Sub(t0))
		}
	}
	// The fourth wait is armed by the third probe.
	want := []time.Duration{9 * time.Second, 10500 * time.Millisecond, 10 * time.Second, 10999998 * time.Microsecond}
	got := f.clk.waits(timeout)
	if len(got) != len(want) {
		t.Fatalf("waits = %v, want %v", got, want)
	}
	for i := range want {
		if d := got[i] - want[i]; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("wait %d = %s, want %s", i, got[i], want[i])
		}
		if got[i] < 9*time.Second || got[i] >= 11*time.Second {
			t.Errorf("wait %d = %s, outside [9s, 11s)", i, got[i])
		}
	}
	if c := f.prober.Counts()["t"]; c != (Counts{Sent: 3, OK: 3}) {
		t.Errorf("counts = %+v, want 3 sent, 3 ok", c)
	}
}

// A probe that hangs past the next due time is not joined by a second
// one: that one is skipped and counted, and the next after it goes out.
func TestNoStackingWhenAProbeHangs(t *testing.T) {
	s := Schedule{Interval: 10 * time.Second, Timeout: 10 * time.Second, Jitter: 0.1}
	f := newFixture(t, s, func() float64 { return 0 }, hang)
	// Waits are 9s; each probe times out 10s after it starts.
	f.clk.Advance(9 * time.Second) // t=9: probe 1
	recv(t, f.arrivals, "probe 1")
	f.clk.Advance(9 * time.Second) // t=18: probe 1 still hangs
	if r := recv(t, f.results, "skip"); !r.Skipped {
		t.Fatalf("at 18s: %+v, want a skipped probe", r)
	}
	f.clk.Advance(time.Second) // t=19: probe 1 times out
	if r := recv(t, f.results, "timeout"); r.Err == nil || r.Err.Kind != failure.Timeout {
		t.Fatalf("at 19s: %+v, want a timeout", r)
	}
	f.clk.Advance(8 * time.Second) // t=27: probe 3
	a := recv(t, f.arrivals, "probe 3")
	if want := t0.Add(27 * time.Second); !a.at.Equal(want) {
		t.Errorf("probe 3 arrived at %s, want 27s", a.at.Sub(t0))
	}
	f.clk.Advance(9 * time.Second) // t=36: probe 3 still hangs
	if r := recv(t, f.results, "skip"); !r.Skipped {
		t.Fatalf("at 36s: %+v, want a skipped probe", r)
	}
	f.prober.Stop()
	if c := f.prober.Counts()["t"]; c != (Counts{Sent: 2, Failed: 1, Skipped: 2}) {
		t.Errorf("counts = %+v, want 2 sent, 1 failed, 2 skipped", c)
	}
}

// Stopping the prober, by Stop or by ending Start's context, cancels the
// probe under way without counting it against the target, stops every
// timer and leaves no goroutine (TestMain checks with goleak).
func TestStopEndsEverything(t *testing.T) {
	for _, how := range []string{"Stop", "context"} {
		t.Run(how, func(t *testing.T) {
			s := Schedule{Interval: 10 * time.Second, Timeout: 5 * time.Second}
			f := newFixture(t, s, nil, hang)
			f.clk.Advance(10 * time.Second)
			recv(t, f.arrivals, "probe")
			if how == "Stop" {
				f.prober.Stop()
			} else {
				f.cancel()
			}
			r := recv(t, f.results, "result")
			if !r.Stopped || r.Err != nil || r.Outcome.Success {
				t.Errorf("result = %+v, want a stopped probe", r)
			}
			f.prober.Stop()
			f.prober.Stop() // a second Stop is harmless
			if n := f.clk.Pending(); n != 0 {
				t.Errorf("%d timers pending after Stop, want 0", n)
			}
			f.clk.Advance(time.Hour)
			if len(f.arrivals) != 0 || len(f.results) != 0 {
				t.Errorf("probes went on after Stop: %d arrivals, %d results", len(f.arrivals), len(f.results))
			}
			if st := f.target.Health.Snapshot(); st.Requests != 0 {
				t.Errorf("health recorded %d requests, want none: a stop is not the target's fault", st.Requests)
			}
			if c := f.prober.Counts()["t"]; c != (Counts{Sent: 1}) {
				t.Errorf("counts = %+v, want 1 sent, none failed", c)
			}
		})
	}
}

func TestStopBeforeStartAndStartTwice(t *testing.T) {
	p := New(nil, Options{})
	p.Stop() // nothing to stop
	p.Start(t.Context())
	defer p.Stop()
	defer func() {
		if recover() == nil {
			t.Error("a second Start did not panic")
		}
	}()
	p.Start(t.Context())
}
