package load

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock is a virtual clock: SleepUntil moves it forward at once, by
// an extra oversleep to imitate a scheduler that wakes late.
type fakeClock struct {
	mu        sync.Mutex
	now       time.Time
	oversleep time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_000_000, 0)} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) SleepUntil(_ context.Context, t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t.After(f.now) {
		f.now = t.Add(f.oversleep)
	}
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

type firing struct {
	i        int
	due, now time.Time
}

func runOpen(t *testing.T, o OpenLoop, clk *fakeClock, onFire func()) (int, []firing, time.Time) {
	t.Helper()
	start := clk.Now()
	var got []firing
	n := o.Run(context.Background(), clk, func(i int, due time.Time) {
		got = append(got, firing{i, due, clk.Now()})
		if onFire != nil {
			onFire()
		}
	})
	return n, got, start
}

func TestOpenLoopCount(t *testing.T) {
	for _, tc := range []struct {
		o    OpenLoop
		want int
	}{
		{OpenLoop{Rate: 1000, Duration: time.Second}, 1000},
		{OpenLoop{Rate: 2.5, Duration: time.Second}, 3},
		{OpenLoop{Rate: 4000, Duration: 10 * time.Second, Max: 500}, 500},
		{OpenLoop{Rate: 0, Duration: time.Second}, 0},
		{OpenLoop{Rate: 10, Duration: 0}, 0},
	} {
		if got := tc.o.Count(); got != tc.want {
			t.Errorf("%+v.Count() = %d, want %d", tc.o, got, tc.want)
		}
	}
}

func TestOpenLoopFiresOnSchedule(t *testing.T) {
	clk := newFakeClock()
	n, got, start := runOpen(t, OpenLoop{Rate: 1000, Duration: 10 * time.Millisecond}, clk, nil)
	if n != 10 || len(got) != 10 {
		t.Fatalf("fired %d (%d calls), want 10", n, len(got))
	}
	for i, f := range got {
		want := start.Add(time.Duration(i) * time.Millisecond)
		if f.i != i || !f.due.Equal(want) || !f.now.Equal(want) {
			t.Errorf("request %d: i=%d due=%v fired at %v; want due and fired at %v",
				i, f.i, f.due.Sub(start), f.now.Sub(start), want.Sub(start))
		}
	}
}

// A slow fire (the requests themselves never slow the schedule in an open
// loop, but the scheduler's own goroutine can be held up) must not shift
// the due times: the late requests go out at once, each measured from its
// own due time. This is what keeps coordinated omission out.
func TestOpenLoopKeepsDueTimesWhenFiringIsSlow(t *testing.T) {
	clk := newFakeClock()
	n, got, start := runOpen(t, OpenLoop{Rate: 1000, Duration: 10 * time.Millisecond}, clk,
		func() { clk.advance(3500 * time.Microsecond) })
	if n != 10 {
		t.Fatalf("fired %d, want 10", n)
	}
	late := 0
	for i, f := range got {
		want := start.Add(time.Duration(i) * time.Millisecond)
		if !f.due.Equal(want) {
			t.Errorf("request %d due at %v, want %v", i, f.due.Sub(start), want.Sub(start))
		}
		if f.now.Before(f.due) {
			t.Errorf("request %d fired %v before it was due", i, f.due.Sub(f.now))
		}
		if f.now.After(f.due) {
			late++
		}
	}
	if late == 0 {
		t.Fatal("no request was fired late; the test does not exercise catching up")
	}
}

func TestOpenLoopCatchesUpAfterOversleep(t *testing.T) {
	clk := newFakeClock()
	clk.oversleep = 2500 * time.Microsecond
	n, got, start := runOpen(t, OpenLoop{Rate: 1000, Duration: 20 * time.Millisecond}, clk, nil)
	if n != 20 {
		t.Fatalf("fired %d, want 20", n)
	}
	batches := map[time.Time]int{}
	for i, f := range got {
		if want := start.Add(time.Duration(i) * time.Millisecond); !f.due.Equal(want) {
			t.Fatalf("request %d due at %v, want %v", i, f.due.Sub(start), want.Sub(start))
		}
		batches[f.now]++
	}
	// Each wake fires everything that fell due while it slept: 3 or 4
	// requests per wake, not one.
	if len(batches) >= 20 || len(batches) < 5 {
		t.Fatalf("fired in %d batches, want the late wakes to fire several at once", len(batches))
	}
}

func TestOpenLoopStopsWhenCanceled(t *testing.T) {
	clk := newFakeClock()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	n := OpenLoop{Rate: 100, Duration: time.Second}.Run(ctx, clk, func(int, time.Time) {
		calls++
		if calls == 5 {
			cancel()
		}
	})
	if n != 5 || calls != 5 {
		t.Fatalf("fired %d (%d calls) after canceling at 5", n, calls)
	}
}

func TestClosedLoopRunsUntilDuration(t *testing.T) {
	clk := newFakeClock()
	n, el := ClosedLoop{Workers: 1, Duration: 10 * time.Millisecond}.Run(context.Background(), clk,
		func(int, time.Time) { clk.advance(time.Millisecond) })
	if n != 10 || el != 10*time.Millisecond {
		t.Fatalf("made %d requests in %v, want 10 in 10ms", n, el)
	}
}

func TestClosedLoopHonorsMax(t *testing.T) {
	clk := newFakeClock()
	var mu sync.Mutex
	perWorker := map[int]int{}
	n, _ := ClosedLoop{Workers: 4, Duration: time.Hour, Max: 7}.Run(context.Background(), clk,
		func(w int, _ time.Time) {
			mu.Lock()
			perWorker[w]++
			mu.Unlock()
			clk.advance(time.Millisecond)
		})
	total := 0
	for _, c := range perWorker {
		total += c
	}
	if n != 7 || total != 7 {
		t.Fatalf("made %d requests (%d calls), want 7", n, total)
	}
}
