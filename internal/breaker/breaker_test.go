package breaker

import (
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/clock"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// noJitter makes cooldowns exact: the middle of [0, 2·spread+1) is spread.
func noJitter(n int64) int64 { return n / 2 }

func newBreaker(cfg Config) (*Breaker, *clock.Fake) {
	c := clock.NewFake(t0)
	if cfg.Jitter == nil {
		cfg.Jitter = noJitter
	}
	return New(cfg, c), c
}

// send asks for one attempt and reports its outcome, as the gateway does:
// 'S' success, 'F' counted failure, 'U' uncounted failure. It reports
// whether the attempt was let through.
func send(b *Breaker, op byte) bool {
	p, ok := b.Allow()
	if ok {
		p.Report(op == 'S', op != 'U')
	}
	return ok
}

func TestTrip(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		// ops: S, F, U as for send; '>' advances the clock by step.
		ops  string
		step time.Duration
		// tripsAt is the index in ops of the outcome that trips the
		// breaker; -1 for never.
		tripsAt int
	}{
		{"consecutive failures trip on the Nth", Config{ConsecutiveFailures: 3}, "FFF", 0, 2},
		{"a success breaks the run", Config{ConsecutiveFailures: 3}, "FFSFFSFF", 0, -1},
		{"uncounted failures neither break nor extend the run", Config{ConsecutiveFailures: 3}, "FUFUUUF", 0, 6},
		{"consecutive off", Config{}, "FFFFFFFFFFFFFFFFFFFF", 0, -1},
		{"error rate trips at the threshold with enough requests",
			Config{ErrorRate: 0.5, MinRequests: 10}, "SSSSSFFFFF", 0, 9},
		{"error rate exactly at a threshold that is not a binary fraction",
			Config{ErrorRate: 0.28, MinRequests: 25}, "SSSSSSSSSSSSSSSSSSFFFFFFF", 0, 24},
		{"error rate under the threshold",
			Config{ErrorRate: 0.5, MinRequests: 10}, "SSSSSSFFFFSSSS", 0, -1},
		{"error rate is not judged below MinRequests",
			Config{ErrorRate: 0.5, MinRequests: 10}, "FFFFFFFFF", 0, -1},
		{"error rate without MinRequests trips on the first failure",
			Config{ErrorRate: 0.5}, "F", 0, 0},
		{"error rate without MinRequests, after successes",
			Config{ErrorRate: 0.5}, "SSSFFF", 0, 5},
		{"uncounted failures are not requests",
			Config{ErrorRate: 0.5, MinRequests: 4}, "UUUUFSF", 0, -1},
		{"failures in the window count",
			Config{ErrorRate: 0.5, MinRequests: 10, Window: 30 * time.Second}, "FFFF>SSSSSF", 29 * time.Second, 10},
		{"failures that left the window do not",
			Config{ErrorRate: 0.5, MinRequests: 10, Window: 30 * time.Second}, "FFFF>SSSSSF", 30 * time.Second, -1},
		{"both checks, consecutive first",
			Config{ConsecutiveFailures: 2, ErrorRate: 0.9, MinRequests: 10}, "SFF", 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, c := newBreaker(tt.cfg)
			for i := range len(tt.ops) {
				op := tt.ops[i]
				if op == '>' {
					c.Advance(tt.step)
					continue
				}
				if !send(b, op) {
					t.Fatalf("op %d (%c) refused", i, op)
				}
				want := Closed
				if tt.tripsAt >= 0 && i >= tt.tripsAt {
					want = Open
				}
				if got := b.State(); got != want {
					t.Fatalf("after op %d (%c): state %v; want %v", i, op, got, want)
				}
				if want == Open {
					return
				}
			}
		})
	}
}

func TestOpenForTheCooldown(t *testing.T) {
	b, c := newBreaker(Config{ConsecutiveFailures: 1, Cooldown: 30 * time.Second})
	send(b, 'F')
	s := b.Snapshot()
	if s.State != Open || !s.OpenedAt.Equal(t0) || !s.ReopensAt.Equal(t0.Add(30*time.Second)) || s.Trips != 1 {
		t.Fatalf("after the trip: %+v", s)
	}
	c.Advance(30*time.Second - 1)
	if _, ok := b.Allow(); ok {
		t.Fatal("allowed before the cooldown passed")
	}
	if got := b.State(); got != Open {
		t.Fatalf("state before the cooldown passed = %v", got)
	}
	c.Advance(1)
	if got := b.State(); got != HalfOpen {
		t.Fatalf("state once the cooldown passed = %v; want half_open", got)
	}
	p, ok := b.Allow()
	if !ok || !p.Probe() {
		t.Fatalf("Allow after the cooldown = %v, probe %v; want a probe", ok, p.Probe())
	}
	p.Report(true, true)
	if s := b.Snapshot(); s.State != Closed || s.Trips != 1 || s.Consecutive != 0 {
		t.Fatalf("after a good probe: %+v", s)
	}
}

func TestHalfOpen(t *testing.T) {
	tests := []struct {
		name   string
		probes int
		// ops on the probes: 'a' Allow must grant, 'x' Allow must refuse;
		// 'S', 'F', 'U' report the oldest unreported probe.
		ops  string
		want State
	}{
		{"one probe by default", 0, "ax", HalfOpen},
		{"admits only HalfOpenRequests", 2, "aaxx", HalfOpen},
		{"one success closes with one probe", 1, "aS", Closed},
		{"all probes must succeed", 2, "aaS", HalfOpen},
		{"a freed slot admits another probe", 2, "aaSaS", Closed},
		{"two successes close", 2, "aaSS", Closed},
		{"a counted failure reopens", 2, "aaSF", Open},
		{"a failure after a success still reopens", 1, "aF", Open},
		{"an uncounted failure frees the slot", 1, "aUaS", Closed},
		{"an uncounted failure neither closes nor reopens", 1, "aU", HalfOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, c := newBreaker(Config{ConsecutiveFailures: 1, HalfOpenRequests: tt.probes, Cooldown: time.Second})
			send(b, 'F')
			c.Advance(time.Second)
			var held []Permit
			for i := range len(tt.ops) {
				switch op := tt.ops[i]; op {
				case 'a', 'x':
					p, ok := b.Allow()
					if ok != (op == 'a') {
						t.Fatalf("op %d: Allow = %v", i, ok)
					}
					if ok {
						held = append(held, p)
					}
				default:
					held[0].Report(op == 'S', op != 'U')
					held = held[1:]
				}
			}
			if got := b.State(); got != tt.want {
				t.Errorf("state = %v; want %v", got, tt.want)
			}
		})
	}
}

// TestCooldownDoubles trips a breaker again and again (each probe fails)
// and checks each open period.
func TestCooldownDoubles(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		jitter func(int64) int64
		want   []time.Duration
	}{
		{"doubles up to the cap", Config{Cooldown: 10 * time.Second, MaxCooldown: 35 * time.Second}, noJitter,
			[]time.Duration{10 * time.Second, 20 * time.Second, 35 * time.Second, 35 * time.Second}},
		{"defaults: 30 s to 5 min", Config{}, noJitter,
			[]time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute}},
		{"a cap below the cooldown means no doubling", Config{Cooldown: 10 * time.Second, MaxCooldown: time.Second}, noJitter,
			[]time.Duration{10 * time.Second, 10 * time.Second}},
		{"least jitter: 10% shorter, after the cap", Config{Cooldown: 10 * time.Second, MaxCooldown: 15 * time.Second},
			func(int64) int64 { return 0 },
			[]time.Duration{9 * time.Second, 13500 * time.Millisecond}},
		{"most jitter: 10% longer, after the cap", Config{Cooldown: 10 * time.Second, MaxCooldown: 15 * time.Second},
			func(n int64) int64 { return n - 1 },
			[]time.Duration{11 * time.Second, 16500 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.ConsecutiveFailures = 1
			cfg.Jitter = tt.jitter
			b, c := newBreaker(cfg)
			send(b, 'F')
			for i, want := range tt.want {
				s := b.Snapshot()
				if got := s.ReopensAt.Sub(s.OpenedAt); s.State != Open || got != want || s.Trips != i+1 {
					t.Fatalf("trip %d: %v, trips %d, open for %v; want open, %d, %v", i+1, s.State, s.Trips, got, i+1, want)
				}
				c.Advance(want)
				if !send(b, 'F') {
					t.Fatalf("trip %d: probe refused after the cooldown", i+1)
				}
			}
		})
	}
}

// TestTripsForgotten: the doubling survives a close until the breaker has
// stayed closed for MaxCooldown.
func TestTripsForgotten(t *testing.T) {
	for _, tt := range []struct {
		closedFor time.Duration
		wantTrips int
		wantOpen  time.Duration
	}{
		{time.Minute - 1, 1, 20 * time.Second},
		{time.Minute, 0, 10 * time.Second},
	} {
		b, c := newBreaker(Config{ConsecutiveFailures: 1, Cooldown: 10 * time.Second, MaxCooldown: time.Minute})
		send(b, 'F')
		c.Advance(10 * time.Second)
		send(b, 'S') // the probe closes it
		c.Advance(tt.closedFor)
		if got := b.Snapshot().Trips; got != tt.wantTrips {
			t.Errorf("closed for %v: trips %d; want %d", tt.closedFor, got, tt.wantTrips)
		}
		send(b, 'F')
		s := b.Snapshot()
		if got := s.ReopensAt.Sub(s.OpenedAt); got != tt.wantOpen || s.Trips != tt.wantTrips+1 {
			t.Errorf("closed for %v: open for %v, trips %d; want %v, %d", tt.closedFor, got, s.Trips, tt.wantOpen, tt.wantTrips+1)
		}
	}
}

// TestWindowAfterClose: a close starts the error-rate window afresh, and
// the new window still slides over Window.
func TestWindowAfterClose(t *testing.T) {
	b, c := newBreaker(Config{ErrorRate: 0.5, MinRequests: 4, Window: 10 * time.Second, Cooldown: time.Second})
	ops := func(ops string, want State) {
		t.Helper()
		for i := range len(ops) {
			send(b, ops[i])
		}
		if got := b.State(); got != want {
			t.Fatalf("after %s: %v; want %v", ops, got, want)
		}
	}
	ops("SSFF", Open)
	c.Advance(time.Second)
	ops("S", Closed)
	if s := b.Snapshot(); s.Requests != 0 || s.Failures != 0 {
		t.Fatalf("window after the close: %+v", s)
	}
	ops("FFF", Closed)
	c.Advance(10 * time.Second)
	ops("F", Closed)
	if s := b.Snapshot(); s.Requests != 1 || s.Failures != 1 {
		t.Fatalf("window 10 s on: %+v", s)
	}
	ops("SF", Closed)
	ops("F", Open)
}

func TestStaleGeneration(t *testing.T) {
	b, c := newBreaker(Config{ConsecutiveFailures: 2, Cooldown: time.Second})
	slow, _ := b.Allow()     // sent while closed, answers late
	slowFail, _ := b.Allow() // likewise
	send(b, 'F')
	send(b, 'F') // trips
	slow.Report(true, true)
	if got := b.State(); got != Open {
		t.Fatalf("a success from before the trip changed the state to %v", got)
	}
	c.Advance(time.Second)
	probe, ok := b.Allow()
	if !ok {
		t.Fatal("probe refused")
	}
	slow.Report(true, true)
	if got := b.State(); got != HalfOpen {
		t.Fatalf("a success from before the trip turned a half-open breaker %v", got)
	}
	if _, ok := b.Allow(); ok {
		t.Fatal("a stale report freed the probe slot")
	}
	probe.Report(true, true)
	if got := b.State(); got != Closed {
		t.Fatalf("the probe's success left the breaker %v", got)
	}
	send(b, 'F')
	slowFail.Report(false, true) // the second failure in a row, but stale
	if s := b.Snapshot(); s.State != Closed || s.Consecutive != 1 || s.Requests != 1 {
		t.Fatalf("a failure from before the trip counted after the close: %+v", s)
	}
	probe.Report(false, true) // reported twice, and stale: ignored
	if got := b.State(); got != Closed {
		t.Fatalf("a stale probe failure left the breaker %v", got)
	}
}

func TestSnapshotWhileClosed(t *testing.T) {
	b, _ := newBreaker(Config{ConsecutiveFailures: 5, ErrorRate: 0.9, MinRequests: 100})
	for _, op := range []byte("SSFUF") {
		send(b, op)
	}
	want := Snapshot{State: Closed, Consecutive: 2, Requests: 4, Failures: 2}
	if got := b.Snapshot(); got != want {
		t.Errorf("snapshot = %+v; want %+v", got, want)
	}
}

func TestZeroPermit(t *testing.T) {
	var p Permit
	p.Report(false, true) // must not panic
	if p.Probe() {
		t.Error("the zero permit is a probe")
	}
	b, _ := newBreaker(Config{ConsecutiveFailures: 1})
	if p, _ := b.Allow(); p.Probe() {
		t.Error("a closed breaker's permit is a probe")
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{Closed: "closed", Open: "open", HalfOpen: "half_open", 9: "unknown"} {
		if got := s.String(); got != want {
			t.Errorf("State(%d) = %q; want %q", s, got, want)
		}
	}
}

func TestAllowReportDoNotAllocate(t *testing.T) {
	b := New(Config{ConsecutiveFailures: 5, ErrorRate: 0.5, MinRequests: 10}, clock.Real{})
	n := testing.AllocsPerRun(1000, func() {
		p, _ := b.Allow()
		p.Report(true, true)
	})
	if n != 0 {
		t.Errorf("Allow+Report allocate %v times", n)
	}
}

func TestRecoverClosesButRemembersTrips(t *testing.T) {
	b, clk := newBreaker(Config{ConsecutiveFailures: 1, Cooldown: 10 * time.Second, MaxCooldown: time.Minute, HalfOpenRequests: 1})
	p, _ := b.Allow()
	p.Report(false, true)
	if b.State() != Open {
		t.Fatalf("state %v after a failure, want open", b.State())
	}
	var stale Permit
	b.Recover()
	if b.State() != Closed {
		t.Fatalf("state %v after Recover, want closed", b.State())
	}
	stale.Report(false, true) // the zero permit changes nothing
	// A failure soon after trips again, for a doubled cooldown.
	p, _ = b.Allow()
	p.Report(false, true)
	if s := b.Snapshot(); s.State != Open || s.Trips != 2 {
		t.Fatalf("snapshot %+v, want open with 2 trips", s)
	}
	if d := b.Snapshot().ReopensAt.Sub(clk.Now()); d < 18*time.Second || d > 22*time.Second {
		t.Fatalf("second cooldown %v, want about 20s", d)
	}
	b.Recover()
	b.Recover() // idempotent on a closed breaker
	if b.State() != Closed {
		t.Fatal("not closed")
	}
}
