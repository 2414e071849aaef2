package health

import (
	"sync"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/clock"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

var (
	ok      = Outcome{Success: true, Counted: true, Latency: 100 * time.Millisecond}
	failed  = Outcome{Counted: true, Latency: 10 * time.Millisecond}
	ignored = Outcome{Counted: false, Latency: time.Second}
)

// step is one move in a window test: advance the clock, then record.
type step struct {
	advance time.Duration
	record  []Outcome
}

func TestWindowRotation(t *testing.T) {
	tests := []struct {
		name         string
		span         time.Duration
		buckets      int
		steps        []step
		wantRequests int64
		wantFailures int64
	}{
		{"a sample stays until the span has passed",
			30 * time.Second, 30, []step{{0, []Outcome{ok}}, {30*time.Second - 1, nil}}, 1, 0},
		{"a sample leaves exactly when the span passes",
			30 * time.Second, 30, []step{{0, []Outcome{ok}}, {30 * time.Second, nil}}, 0, 0},
		{"a sample mid-bucket leaves with its bucket",
			30 * time.Second, 30, []step{{500 * time.Millisecond, []Outcome{failed}}, {29*time.Second + 499*time.Millisecond, nil}}, 1, 1},
		{"a sample mid-bucket has left a full span after its bucket began",
			30 * time.Second, 30, []step{{500 * time.Millisecond, []Outcome{failed}}, {29*time.Second + 500*time.Millisecond, nil}}, 0, 0},
		{"older buckets leave one by one",
			10 * time.Second, 10, []step{
				{0, []Outcome{ok}},
				{time.Second, []Outcome{failed, failed}},
				{time.Second, []Outcome{ok, ok, ok}},
				{9 * time.Second, nil}, // 11 s: the first two buckets have left
			}, 3, 0},
		{"a gap longer than the span leaves nothing behind",
			30 * time.Second, 30, []step{{0, []Outcome{ok, failed}}, {95 * time.Second, nil}}, 0, 0},
		{"a record after whole laps replaces the old count in its slot",
			30 * time.Second, 30, []step{{0, []Outcome{ok, ok, failed}}, {60 * time.Second, []Outcome{ok}}}, 1, 0},
		{"uncounted failures are ignored",
			30 * time.Second, 30, []step{{0, []Outcome{ignored, ok, ignored, failed, ignored}}}, 2, 1},
		{"defaults: 30 s in 1 s buckets",
			0, 0, []step{{0, []Outcome{ok}}, {time.Second, []Outcome{ok}}, {29 * time.Second, nil}}, 1, 0},
		{"buckets narrower than 1 ms are merged",
			10 * time.Millisecond, 1000, []step{{0, []Outcome{ok}}, {9 * time.Millisecond, []Outcome{ok}}, {time.Millisecond, nil}}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.NewFake(t0)
			w := NewWindow(c, tt.span, tt.buckets)
			for _, s := range tt.steps {
				c.Advance(s.advance)
				for _, o := range s.record {
					w.Record(o)
				}
			}
			s := w.Snapshot()
			if s.Requests != tt.wantRequests || s.Failures != tt.wantFailures {
				t.Errorf("requests, failures = %d, %d; want %d, %d", s.Requests, s.Failures, tt.wantRequests, tt.wantFailures)
			}
			var rate float64
			if tt.wantRequests > 0 {
				rate = float64(tt.wantFailures) / float64(tt.wantRequests)
			}
			if s.ErrorRate != rate {
				t.Errorf("error rate = %v; want %v", s.ErrorRate, rate)
			}
		})
	}
}

func TestWindowConsecutiveAndLastTimes(t *testing.T) {
	c := clock.NewFake(t0)
	w := NewWindow(c, 30*time.Second, 30)
	check := func(wantConsecutive int, wantSuccess, wantFailure time.Time) {
		t.Helper()
		s := w.Snapshot()
		if s.Consecutive != wantConsecutive {
			t.Errorf("consecutive = %d; want %d", s.Consecutive, wantConsecutive)
		}
		if !s.LastSuccess.Equal(wantSuccess) || !s.LastFailure.Equal(wantFailure) {
			t.Errorf("last success, failure = %v, %v; want %v, %v", s.LastSuccess, s.LastFailure, wantSuccess, wantFailure)
		}
	}
	check(0, time.Time{}, time.Time{})

	w.Record(failed)
	check(1, time.Time{}, t0)

	c.Advance(time.Second)
	w.Record(ok)
	check(0, t0.Add(time.Second), t0)

	for range 3 {
		c.Advance(time.Second)
		w.Record(failed)
		w.Record(ignored) // neither breaks nor extends the run
	}
	check(3, t0.Add(time.Second), t0.Add(4*time.Second))

	// Failures in a row are not windowed: a target that failed and then
	// got no traffic still has them.
	c.Advance(time.Hour)
	check(3, t0.Add(time.Second), t0.Add(4*time.Second))
	if s := w.Snapshot(); s.Requests != 0 {
		t.Errorf("requests after an hour = %d; want 0", s.Requests)
	}
}

func TestWindowLatencyOfSuccessesOnly(t *testing.T) {
	c := clock.NewFake(t0)
	w := NewWindow(c, 0, 0)
	w.Record(Outcome{Success: true, Latency: 2 * time.Second, TTFT: 300 * time.Millisecond})
	w.Record(Outcome{Success: true, Latency: 2 * time.Second}) // no TTFT: not a TTFT sample
	w.Record(Outcome{Counted: true, Latency: time.Minute, TTFT: time.Minute})
	w.Record(Outcome{Success: true}) // no latency: counted, no sample
	s := w.Snapshot()
	if s.Requests != 4 || s.Failures != 1 {
		t.Fatalf("requests, failures = %d, %d; want 4, 1", s.Requests, s.Failures)
	}
	if s.Latency.Count != 2 || s.TTFT.Count != 1 {
		t.Fatalf("latency, ttft samples = %d, %d; want 2, 1", s.Latency.Count, s.TTFT.Count)
	}
	if !within(s.Latency.P99, 2*time.Second) || !within(s.TTFT.P99, 300*time.Millisecond) {
		t.Errorf("p99 latency, ttft = %v, %v; want about 2s, 300ms", s.Latency.P99, s.TTFT.P99)
	}
	if (NewWindow(c, 0, 0).Snapshot().Latency != Percentiles{}) {
		t.Error("an empty window has latency percentiles")
	}
}

func TestWordDropsAddsFromAnOlderLap(t *testing.T) {
	const n = 4
	var w word
	w.add(7)
	w.add(7 - n) // a slow recorder that read the clock a lap earlier
	if got := w.load(7, n); got != 1 {
		t.Errorf("count = %d; want 1", got)
	}
	w.add(7 + n)
	if got := w.load(7+n, n); got != 1 {
		t.Errorf("count after a lap = %d; want 1", got)
	}
	if got := w.load(7+2*n, n); got != 0 {
		t.Errorf("count two laps on = %d; want 0", got)
	}
}

func TestWordSaturates(t *testing.T) {
	var w word
	w.v.Store(3<<countBits | countMask)
	w.add(3)
	if got := w.load(3, 1); got != countMask {
		t.Errorf("count = %d; want %d", got, countMask)
	}
}

// TestWindowConcurrentRecords loses no record while many goroutines
// record into the same bucket, and keeps its invariants while the clock
// moves under them. Run it with -race.
func TestWindowConcurrentRecords(t *testing.T) {
	const goroutines, each = 8, 2000
	c := clock.NewFake(t0)
	w := NewWindow(c, 10*time.Second, 10)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				o := ok
				if (g+i)%4 == 0 {
					o = failed
				}
				w.Record(o)
			}
		})
	}
	wg.Wait()
	s := w.Snapshot()
	if s.Requests != goroutines*each || s.Failures != goroutines*each/4 {
		t.Fatalf("requests, failures = %d, %d; want %d, %d", s.Requests, s.Failures, goroutines*each, goroutines*each/4)
	}
	if s.Latency.Count != goroutines*each*3/4 {
		t.Fatalf("latency samples = %d; want %d", s.Latency.Count, goroutines*each*3/4)
	}

	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			c.Advance(300 * time.Millisecond)
			s := w.Snapshot()
			if s.Failures > s.Requests || s.Requests < 0 {
				t.Errorf("snapshot %d failures of %d requests", s.Failures, s.Requests)
			}
		}
	})
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				w.Record([]Outcome{ok, failed, ignored}[(g+i)%3])
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
}

func TestRecordDoesNotAllocate(t *testing.T) {
	w := NewWindow(clock.Real{}, 0, 0)
	o := Outcome{Success: true, Latency: 1500 * time.Millisecond, TTFT: 200 * time.Millisecond}
	if n := testing.AllocsPerRun(1000, func() { w.Record(o); w.Record(failed) }); n != 0 {
		t.Errorf("Record allocates %v times", n)
	}
	tally := NewTally(clock.Real{}, 0, 0)
	if n := testing.AllocsPerRun(1000, func() { tally.Add(true) }); n != 0 {
		t.Errorf("Tally.Add allocates %v times", n)
	}
}

// within reports whether got reads want within the histogram's error.
func within(got, want time.Duration) bool {
	d := float64(got-want) / float64(want)
	return d <= percentileError+1e-9 && d >= -percentileError-1e-9
}
