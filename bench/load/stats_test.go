package load

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func ms(vs ...int) []time.Duration {
	out := make([]time.Duration, len(vs))
	for i, v := range vs {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

func TestPercentileNearestRank(t *testing.T) {
	ten := ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	for _, tc := range []struct {
		vals []time.Duration
		p    float64
		want time.Duration
	}{
		{ten, 50, 5 * time.Millisecond},
		{ten, 90, 9 * time.Millisecond},
		{ten, 91, 10 * time.Millisecond},
		{ten, 99, 10 * time.Millisecond},
		{ten, 10, 1 * time.Millisecond},
		{ten, 0.1, 1 * time.Millisecond},
		{ten, 100, 10 * time.Millisecond},
		{ms(7), 99.9, 7 * time.Millisecond},
		{nil, 50, 0},
	} {
		if got := Percentile(tc.vals, tc.p); got != tc.want {
			t.Errorf("Percentile(%d values, %v) = %v, want %v", len(tc.vals), tc.p, got, tc.want)
		}
	}
}

// 99.9/100*1000 is 999.0000000000001 in floating point; a naive ceiling
// would take the 1000th value, the maximum.
func TestPercentileIsNotFooledByRounding(t *testing.T) {
	vals := make([]time.Duration, 1000)
	for i := range vals {
		vals[i] = time.Duration(i+1) * time.Microsecond
	}
	if got := Percentile(vals, 99.9); got != 999*time.Microsecond {
		t.Fatalf("p99.9 of 1..1000 µs = %v, want 999µs", got)
	}
	if got := Percentile(vals, 99); got != 990*time.Microsecond {
		t.Fatalf("p99 of 1..1000 µs = %v, want 990µs", got)
	}
}

func TestSummarizeSortsAndReportsMicroseconds(t *testing.T) {
	vals := make([]time.Duration, 0, 1000)
	for i := 1000; i >= 1; i-- {
		vals = append(vals, time.Duration(i)*time.Microsecond)
	}
	rand.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
	d := Summarize(vals)
	want := Dist{N: 1000, Mean: 500.5, P50: 500, P90: 900, P99: 990, P999: 999, Max: 1000}
	if d != want {
		t.Fatalf("Summarize = %+v, want %+v", d, want)
	}
	if !slices.IsSorted(vals) {
		t.Fatal("Summarize did not sort its input")
	}
	if (Summarize(nil) != Dist{}) {
		t.Fatal("Summarize(nil) is not zero")
	}
}

func TestSummaryCountsErrorsApartFromLatency(t *testing.T) {
	start := time.Unix(100, 0)
	samples := []Sample{
		{Due: start, Latency: time.Millisecond},
		{Due: start.Add(time.Second), Latency: time.Second, Err: "status 503"},
		{Due: start.Add(500 * time.Millisecond), Latency: 3 * time.Millisecond, TTFT: time.Millisecond},
		{Due: start.Add(600 * time.Millisecond), Latency: 400 * time.Millisecond, Err: "status 503"},
	}
	st := Summary(samples, ms(1, 2, 3), start, true)
	if st.Sent != 4 || st.OK != 2 || st.Errors != 2 || st.ByErr["status 503"] != 2 {
		t.Fatalf("counts %+v", st)
	}
	// The last answer ends 2 s after the start: 2 successes in 2 s.
	if st.Elapsed != 2 || st.Throughput != 1 {
		t.Fatalf("elapsed %v s, throughput %v/s; want 2 s and 1/s", st.Elapsed, st.Throughput)
	}
	if st.Latency.N != 2 || st.Latency.Max != 3000 {
		t.Fatalf("latency over successes only: %+v", st.Latency)
	}
	if st.TTFT == nil || st.TTFT.N != 1 || st.Gap == nil || st.Gap.N != 3 || st.Gap.P50 != 2000 {
		t.Fatalf("stream distributions: ttft %+v gap %+v", st.TTFT, st.Gap)
	}
}

func TestTimelineAndRecovery(t *testing.T) {
	origin := time.Unix(100, 0)
	var samples []Sample
	// 10 buckets of 100 ms, 4 requests each; buckets 3 and 4 lose one and
	// two requests, bucket 6 is slow.
	for b := range 10 {
		for k := range 4 {
			s := Sample{Due: origin.Add(time.Duration(b)*100*time.Millisecond + time.Duration(k)*time.Millisecond), Latency: time.Millisecond}
			if (b == 3 && k == 0) || (b == 4 && k < 2) {
				s.Err = "status 503"
			}
			if b == 6 {
				s.Latency = 50 * time.Millisecond
			}
			samples = append(samples, s)
		}
	}
	samples = append(samples, Sample{Due: origin.Add(-time.Second), Err: "x"}) // before the origin
	tl := Timeline(samples, origin, 100*time.Millisecond)
	if len(tl) != 10 {
		t.Fatalf("%d buckets, want 10", len(tl))
	}
	if tl[3].Success != 0.75 || tl[4].Success != 0.5 || tl[5].Success != 1 || tl[0].Sent != 4 {
		t.Fatalf("buckets %+v", tl)
	}
	if tl[6].P50 != 50000 || tl[5].P99 != 1000 {
		t.Fatalf("bucket latencies %+v %+v", tl[5], tl[6])
	}
	allOK := func(b Bucket) bool { return b.Success == 1 }
	if d, ok := Recovery(tl, 2, 100*time.Millisecond, allOK); !ok || d != 300*time.Millisecond {
		t.Fatalf("success recovery from bucket 2 = %v, %v; want 300ms", d, ok)
	}
	if d, ok := Recovery(tl, 5, 100*time.Millisecond, allOK); !ok || d != 0 {
		t.Fatalf("recovery of a timeline that never failed = %v, %v; want 0", d, ok)
	}
	fast := func(b Bucket) bool { return b.P99 < 10000 }
	if d, ok := Recovery(tl, 2, 100*time.Millisecond, fast); !ok || d != 500*time.Millisecond {
		t.Fatalf("latency recovery = %v, %v; want 500ms", d, ok)
	}
	never := func(b Bucket) bool { return b.At < 0.5 }
	if _, ok := Recovery(tl, 0, 100*time.Millisecond, never); ok {
		t.Fatal("a timeline that ends failing reported a recovery")
	}
}

func TestRecorderAddAll(t *testing.T) {
	a, b := NewRecorder(1), NewRecorder(1)
	a.Add(Sample{Latency: 1}, ms(1))
	b.Add(Sample{Latency: 2}, ms(2, 3))
	a.AddAll(b)
	if s, g := a.Samples(), a.Gaps(); len(s) != 2 || s[1].Latency != 2 || len(g) != 3 {
		t.Fatalf("after AddAll: %d samples, %d gaps", len(s), len(g))
	}
}
