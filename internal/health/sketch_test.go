package health

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/clock"
)

// Merging the sketches of two windows gives the stats of one window that
// saw every outcome of both.
func TestSketchMergeEqualsOneWindow(t *testing.T) {
	c := clock.NewFake(t0)
	a := NewWindow(c, 10*time.Second, 10)
	b := NewWindow(c, 10*time.Second, 10)
	all := NewWindow(c, 10*time.Second, 10)
	rec := func(w *Window, o Outcome) { w.Record(o); all.Record(o) }
	for i := range 40 {
		o := Outcome{Success: true, Counted: true, Latency: time.Duration(i+1) * 10 * time.Millisecond, TTFT: time.Duration(i+1) * time.Millisecond}
		if i%2 == 0 {
			rec(a, o)
		} else {
			rec(b, o)
		}
		c.Advance(50 * time.Millisecond)
	}
	rec(a, failed)
	rec(a, failed)
	s := a.Sketch()
	s.Merge(b.Sketch())
	got, want := s.Stats(), all.Snapshot()
	if got.Requests != want.Requests || got.Failures != want.Failures || got.ErrorRate != want.ErrorRate ||
		got.Latency != want.Latency || got.TTFT != want.TTFT || got.Consecutive != want.Consecutive {
		t.Errorf("merged = %+v\nwant     %+v", got, want)
	}
	if !got.LastSuccess.Equal(want.LastSuccess) || !got.LastFailure.Equal(want.LastFailure) {
		t.Errorf("last success/failure = %v/%v, want %v/%v", got.LastSuccess, got.LastFailure, want.LastSuccess, want.LastFailure)
	}
}

// A streak of failures on one replica ends when another sees a later
// success, so a replica that stopped sending cannot hold a target down.
func TestSketchMergeStreaks(t *testing.T) {
	c := clock.NewFake(t0)
	down := NewWindow(c, 10*time.Second, 10)
	probe := NewWindow(c, 10*time.Second, 10)
	for range 5 {
		down.Record(failed)
	}
	s := down.Sketch()
	s.Merge(probe.Sketch())
	if got := s.Stats().Consecutive; got != 5 {
		t.Fatalf("streak with no success anywhere = %d, want 5", got)
	}
	c.Advance(time.Second)
	probe.Record(ok)
	s = down.Sketch()
	s.Merge(probe.Sketch())
	if got := s.Stats().Consecutive; got != 0 {
		t.Fatalf("streak after a later success elsewhere = %d, want 0", got)
	}
	c.Advance(time.Second)
	probe.Record(failed)
	s = down.Sketch()
	s.Merge(probe.Sketch())
	if got := s.Stats().Consecutive; got != 1 {
		t.Fatalf("streak after success then one failure = %d, want 1", got)
	}
}

// The JSON form is the wire format between gateways and the checker.
func TestSketchJSONRoundTrip(t *testing.T) {
	c := clock.NewFake(t0)
	w := NewWindow(c, 10*time.Second, 10)
	w.Record(ok)
	w.Record(failed)
	s := w.Sketch()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Sketch
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != s {
		t.Errorf("round trip = %+v, want %+v", back, s)
	}
}

// A sketch decoded from a peer may hold nonsense; Stats never reports
// more failures than requests or negative counts.
func TestSketchStatsClampsBadInput(t *testing.T) {
	s := Sketch{Requests: 3, Failures: 9, Consecutive: -2}
	st := s.Stats()
	if st.Failures != 3 || st.ErrorRate != 1 || st.Consecutive != 0 {
		t.Errorf("stats = %+v", st)
	}
}

// A sketch pushed by a peer is decoded from JSON; whatever it holds,
// Stats gives sane numbers and merging does not panic.
func FuzzSketchJSON(f *testing.F) {
	c := clock.NewFake(t0)
	w := NewWindow(c, 10*time.Second, 10)
	w.Record(ok)
	w.Record(failed)
	good, _ := json.Marshal(w.Sketch())
	for _, s := range [][]byte{good, []byte(`{}`), []byte(`{"requests":-5,"failures":9}`), []byte(`{"latency":[1,2,3]}`),
		[]byte(`{"ttft":[18446744073709551615,18446744073709551615]}`)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Sketch
		if json.Unmarshal(b, &s) != nil {
			return
		}
		var m Sketch
		m.Merge(s)
		m.Merge(s)
		for _, x := range []Sketch{s, m} {
			st := x.Stats()
			if st.Requests < 0 || st.Failures < 0 || st.Failures > st.Requests || st.Consecutive < 0 || st.ErrorRate < 0 || st.ErrorRate > 1 {
				t.Fatalf("stats of %s = %+v", b, st)
			}
			_, _ = Score(st, SLA{ErrorRate: 0.1, P99Latency: time.Second, ConsecutiveFailures: 3})
		}
	})
}
