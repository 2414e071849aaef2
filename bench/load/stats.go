package load

import (
	"math"
	"slices"
	"sort"
	"sync"
	"time"
)

// Sample is the outcome of one request.
type Sample struct {
	// Due is when the request was due (open loop) or sent (closed loop).
	// Every duration below is measured from it.
	Due time.Time
	// Latency is the time until the answer's last byte (or the failure).
	Latency time.Duration
	// TTFT is the time until a stream's first content chunk; 0 for a
	// non-streamed request or a stream that had none.
	TTFT time.Duration
	// Late is the time from Due until the load generator began sending
	// the request: its own lateness, which the latency includes.
	Late time.Duration
	// Err is "" for a success, else a short class of the failure:
	// "status 503", "connect", "timeout", "no [DONE]", ….
	Err string
}

// Recorder collects the samples of one run, and the gaps between the
// content chunks of its streams. It is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	samples []Sample
	gaps    []time.Duration
}

// NewRecorder returns a recorder with room for n samples.
func NewRecorder(n int) *Recorder {
	return &Recorder{samples: make([]Sample, 0, n)}
}

// Add records one request and the gaps between its content chunks.
func (r *Recorder) Add(s Sample, gaps []time.Duration) {
	r.mu.Lock()
	r.samples = append(r.samples, s)
	r.gaps = append(r.gaps, gaps...)
	r.mu.Unlock()
}

// AddAll records every sample and gap of other.
func (r *Recorder) AddAll(other *Recorder) {
	samples, gaps := other.Samples(), other.Gaps()
	r.mu.Lock()
	r.samples = append(r.samples, samples...)
	r.gaps = append(r.gaps, gaps...)
	r.mu.Unlock()
}

// Samples returns a copy of the samples recorded so far.
func (r *Recorder) Samples() []Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.samples)
}

// Gaps returns a copy of the gaps recorded so far.
func (r *Recorder) Gaps() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.gaps)
}

// Dist is a latency distribution, in microseconds.
type Dist struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean_us"`
	P50  float64 `json:"p50_us"`
	P90  float64 `json:"p90_us"`
	P99  float64 `json:"p99_us"`
	P999 float64 `json:"p99_9_us"`
	Max  float64 `json:"max_us"`
}

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted:
// the smallest value that at least p % of the values are less than or
// equal to. It is always one of the values, never an interpolation, and 0
// for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// p/100*n may land a hair above an integer through floating-point
	// rounding (99.9/100*1000 = 999.0000000000001); the epsilon takes the
	// integer it meant.
	rank := int(math.Ceil(p/100*float64(n) - 1e-9))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Summarize sorts ds in place and returns its distribution.
func Summarize(ds []time.Duration) Dist {
	if len(ds) == 0 {
		return Dist{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return Dist{
		N:    len(ds),
		Mean: us(sum / time.Duration(len(ds))),
		P50:  us(Percentile(ds, 50)),
		P90:  us(Percentile(ds, 90)),
		P99:  us(Percentile(ds, 99)),
		P999: us(Percentile(ds, 99.9)),
		Max:  us(ds[len(ds)-1]),
	}
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// Stats summarise one run.
type Stats struct {
	Sent   int            `json:"sent"`
	OK     int            `json:"ok"`
	Errors int            `json:"errors"`
	ByErr  map[string]int `json:"errors_by_kind,omitempty"`
	// Elapsed is from the run's start to its last answer, in seconds.
	Elapsed float64 `json:"elapsed_s"`
	// Throughput is successful answers per second over Elapsed.
	Throughput float64 `json:"throughput_rps"`
	// Latency is over successful requests only.
	Latency Dist `json:"latency"`
	// TTFT and Gap are set for streams: time to the first content chunk,
	// and the gaps between content chunks, over successful streams.
	TTFT *Dist `json:"ttft,omitempty"`
	Gap  *Dist `json:"gap,omitempty"`
	// Late is the load generator's own lateness in sending, over every
	// request: a floor under every latency above.
	Late Dist `json:"generator_lateness"`
}

// Summary computes the stats of samples and gaps; start is when the run
// began. stream adds the TTFT and gap distributions.
func Summary(samples []Sample, gaps []time.Duration, start time.Time, stream bool) Stats {
	st := Stats{Sent: len(samples), ByErr: map[string]int{}}
	var lat, ttft, late []time.Duration
	var end time.Time
	for _, s := range samples {
		late = append(late, s.Late)
		if done := s.Due.Add(s.Latency); done.After(end) {
			end = done
		}
		if s.Err != "" {
			st.Errors++
			st.ByErr[s.Err]++
			continue
		}
		st.OK++
		lat = append(lat, s.Latency)
		if s.TTFT > 0 {
			ttft = append(ttft, s.TTFT)
		}
	}
	if len(st.ByErr) == 0 {
		st.ByErr = nil
	}
	if el := end.Sub(start); el > 0 {
		st.Elapsed = el.Seconds()
		st.Throughput = float64(st.OK) / st.Elapsed
	}
	st.Latency = Summarize(lat)
	st.Late = Summarize(late)
	if stream {
		t, g := Summarize(ttft), Summarize(slices.Clone(gaps))
		st.TTFT, st.Gap = &t, &g
	}
	return st
}

// Bucket is one slice of a run's timeline: the requests due within it.
type Bucket struct {
	// At is the bucket's start, in seconds from the timeline's origin.
	At      float64 `json:"at_s"`
	Sent    int     `json:"sent"`
	OK      int     `json:"ok"`
	Success float64 `json:"success"` // OK / Sent; 1 when nothing was sent
	P50     float64 `json:"p50_us"`
	P99     float64 `json:"p99_us"`
}

// Timeline groups samples by due time into buckets of width step from
// origin; samples due before origin are left out.
func Timeline(samples []Sample, origin time.Time, step time.Duration) []Bucket {
	byBucket := map[int][]Sample{}
	last := -1
	for _, s := range samples {
		off := s.Due.Sub(origin)
		if off < 0 {
			continue
		}
		i := int(off / step)
		byBucket[i] = append(byBucket[i], s)
		last = max(last, i)
	}
	out := make([]Bucket, 0, last+1)
	for i := 0; i <= last; i++ {
		b := Bucket{At: (time.Duration(i) * step).Seconds(), Success: 1}
		var lat []time.Duration
		for _, s := range byBucket[i] {
			b.Sent++
			if s.Err == "" {
				b.OK++
			}
			lat = append(lat, s.Latency)
		}
		if b.Sent > 0 {
			b.Success = float64(b.OK) / float64(b.Sent)
			sort.Slice(lat, func(a, c int) bool { return lat[a] < lat[c] })
			b.P50, b.P99 = us(Percentile(lat, 50)), us(Percentile(lat, 99))
		}
		out = append(out, b)
	}
	return out
}

// Recovery reads a fault's timeline of buckets of width step. from is the
// index of the bucket in which the fault started. It returns the time from that bucket's start
// until the start of the first bucket from which every later bucket
// satisfies ok, and whether there is such a bucket. A timeline that never
// stops satisfying ok recovers at 0.
func Recovery(tl []Bucket, from int, step time.Duration, ok func(Bucket) bool) (time.Duration, bool) {
	if from >= len(tl) {
		return 0, false
	}
	first := len(tl)
	for i := len(tl) - 1; i >= from; i-- {
		if !ok(tl[i]) {
			break
		}
		first = i
	}
	if first == len(tl) {
		return 0, false
	}
	return time.Duration(first-from) * step, true
}
