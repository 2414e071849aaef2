package health

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/clock"
)

func TestHistogramLayout(t *testing.T) {
	if percentileError > 0.125 {
		t.Errorf("percentile error %v; want at most 12.5%%", percentileError)
	}
	if histMax < 5*time.Minute {
		t.Errorf("histogram ends at %v; want at least 5m", histMax)
	}
	for k, b := range binBounds {
		if got := binOf(b); got != k+1 {
			t.Errorf("binOf(%v) = %d; want %d", b, got, k+1)
		}
		if got := binOf(b - 1); got != k {
			t.Errorf("binOf(%v - 1ns) = %d; want %d", b, got, k)
		}
	}
	for k := 1; k <= logBins; k++ {
		lo, hi, v := binBounds[k-1], binBounds[k], binValues[k]
		if v < lo || v >= hi {
			t.Errorf("bin %d [%v, %v) reads as %v", k, lo, hi, v)
		}
	}
}

// exact returns the nearest-rank percentiles of samples.
func exact(samples []time.Duration) (p50, p95, p99 time.Duration) {
	s := slices.Clone(samples)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[int(math.Ceil(q*float64(len(s))))-1] }
	return at(0.50), at(0.95), at(0.99)
}

func TestPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var uniform, logUniform, bimodal []time.Duration
	for i := 1; i <= 1000; i++ {
		uniform = append(uniform, time.Duration(i)*time.Millisecond)
	}
	for range 10000 {
		// Log-uniform between 1 ms and 5 min.
		logUniform = append(logUniform, time.Duration(float64(time.Millisecond)*math.Pow(300000, rng.Float64())))
	}
	for i := range 1000 {
		d := 80*time.Millisecond + time.Duration(rng.IntN(40))*time.Millisecond
		if i%50 == 0 { // a 2% slow tail
			d = 9*time.Second + time.Duration(rng.IntN(2000))*time.Millisecond
		}
		bimodal = append(bimodal, d)
	}
	tests := []struct {
		name    string
		samples []time.Duration
	}{
		{"one sample", []time.Duration{250 * time.Millisecond}},
		{"uniform 1ms to 1s", uniform},
		{"log-uniform 1ms to 5m", logUniform},
		{"fast with a 2% slow tail", bimodal},
		{"on bin bounds", []time.Duration{binBounds[3], binBounds[10], binBounds[20], binBounds[40]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWindow(clock.NewFake(t0), 0, 0)
			for _, d := range tt.samples {
				w.Record(Outcome{Success: true, Latency: d})
			}
			got := w.Snapshot().Latency
			p50, p95, p99 := exact(tt.samples)
			if got.Count != int64(len(tt.samples)) {
				t.Errorf("count = %d; want %d", got.Count, len(tt.samples))
			}
			for _, c := range []struct {
				name      string
				got, want time.Duration
			}{{"p50", got.P50, p50}, {"p95", got.P95, p95}, {"p99", got.P99, p99}} {
				if !within(c.got, c.want) {
					t.Errorf("%s = %v; want %v within %.1f%%", c.name, c.got, c.want, 100*percentileError)
				}
			}
		})
	}
}

func TestPercentilesOutsideTheHistogram(t *testing.T) {
	w := NewWindow(clock.NewFake(t0), 0, 0)
	w.Record(Outcome{Success: true, Latency: 300 * time.Microsecond})
	if got := w.Snapshot().Latency.P99; got != histMin {
		t.Errorf("p99 of 300µs = %v; want %v", got, histMin)
	}
	w.Record(Outcome{Success: true, Latency: time.Hour})
	if got := w.Snapshot().Latency.P99; got != histMax {
		t.Errorf("p99 of 1h = %v; want %v", got, histMax)
	}
}
