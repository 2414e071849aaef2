package health

import (
	"math"
	"testing"
	"time"
)

func TestScore(t *testing.T) {
	sla := SLA{P99Latency: 5 * time.Second, ErrorRate: 0.02, ConsecutiveFailures: 4, MinRequests: 10}
	lat := func(p99 time.Duration) Percentiles {
		return Percentiles{P50: p99 / 4, P95: p99 / 2, P99: p99, Count: 100}
	}
	tests := []struct {
		name       string
		stats      Stats
		sla        SLA
		want       float64
		wantReason string
	}{
		{"no traffic meets the SLA", Stats{}, sla, 1, ""},
		{"all within", Stats{Requests: 100, Failures: 2, ErrorRate: 0.02, Latency: lat(5 * time.Second)}, sla, 1, ""},
		{"p99 just over the SLA barely dents", Stats{Requests: 100, Latency: lat(5050 * time.Millisecond)}, sla, 0.99, "p99 5.05s > 5s"},
		{"p99 at 1.5x halves", Stats{Requests: 100, Latency: lat(7500 * time.Millisecond)}, sla, 0.5, "p99 7.5s > 5s"},
		{"p99 at twice the SLA scores 0", Stats{Requests: 100, Latency: lat(10 * time.Second)}, sla, 0, "p99 10s > 5s"},
		{"p99 far over stays at 0", Stats{Requests: 100, Latency: lat(time.Minute)}, sla, 0, "p99 1m0s > 5s"},
		{"TTFT is judged when there are TTFT samples",
			Stats{Requests: 100, Latency: lat(40 * time.Second), TTFT: lat(6 * time.Second)}, sla, 0.8, "ttft p99 6s > 5s"},
		{"error rate just over", Stats{Requests: 1000, Failures: 21, ErrorRate: 0.021}, sla, 0.95, "errors 2.1% > 2%"},
		{"error rate at 1.25x", Stats{Requests: 400, Failures: 10, ErrorRate: 0.025}, sla, 0.75, "errors 2.5% > 2%"},
		{"error rate far over", Stats{Requests: 100, Failures: 12, ErrorRate: 0.12}, sla, 0, "errors 12% > 2%"},
		{"one failure in a row dents", Stats{Consecutive: 1}, sla, 0.75, "1 failure in a row"},
		{"failures in a row at the SLA score 0", Stats{Consecutive: 4}, sla, 0, "4 failures in a row"},
		{"more failures in a row stay at 0", Stats{Consecutive: 9}, sla, 0, "9 failures in a row"},
		{"below MinRequests latency and errors are not judged",
			Stats{Requests: 9, Failures: 9, ErrorRate: 1, Latency: lat(time.Minute), Consecutive: 2}, sla, 0.5, "2 failures in a row"},
		{"the lowest component wins",
			Stats{Requests: 100, Failures: 3, ErrorRate: 0.03, Latency: lat(6 * time.Second), Consecutive: 1}, sla, 0.5, "errors 3% > 2%"},
		{"zero SLA fields are not checked",
			Stats{Requests: 100, Failures: 50, ErrorRate: 0.5, Latency: lat(time.Hour), Consecutive: 50}, SLA{}, 1, ""},
		{"MinRequests 0 judges from the first request",
			Stats{Requests: 1, Failures: 1, ErrorRate: 1}, SLA{ErrorRate: 0.5}, 0, "errors 100% > 50%"},
		{"a sub-second p99", Stats{Requests: 100, Latency: lat(650 * time.Millisecond)}, SLA{P99Latency: 500 * time.Millisecond}, 0.7, "p99 650ms > 500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := Score(tt.stats, tt.sla)
			if math.Abs(got-tt.want) > 1e-9 || reason != tt.wantReason {
				t.Errorf("Score = %v, %q; want %v, %q", got, reason, tt.want, tt.wantReason)
			}
		})
	}
}

// TestScoreIsGradual sweeps each measure past its SLA: the score never
// rises as the measure gets worse, and never drops by more than the step
// of the measure allows (no jump from 1 to 0).
func TestScoreIsGradual(t *testing.T) {
	sla := SLA{P99Latency: 5 * time.Second, ErrorRate: 0.02, MinRequests: 10}
	sweeps := []struct {
		name  string
		stats func(i int) Stats // i = 0..200: 0 to 3x the SLA
	}{
		{"latency", func(i int) Stats {
			p99 := time.Duration(i) * 15 * time.Second / 200
			return Stats{Requests: 100, Latency: Percentiles{P99: p99, Count: 100}}
		}},
		{"error rate", func(i int) Stats {
			return Stats{Requests: 10000, Failures: int64(i) * 3, ErrorRate: float64(i) * 3 / 10000}
		}},
	}
	for _, sw := range sweeps {
		t.Run(sw.name, func(t *testing.T) {
			prev := 1.0
			for i := 0; i <= 200; i++ {
				got, _ := Score(sw.stats(i), sla)
				if got < 0 || got > 1 {
					t.Fatalf("step %d: score %v outside [0, 1]", i, got)
				}
				if got > prev {
					t.Fatalf("step %d: score rose from %v to %v as the measure got worse", i, prev, got)
				}
				// Each step is 3/200 of the SLA, so the score may fall by
				// 0.015 per step.
				if prev-got > 0.015+1e-9 {
					t.Fatalf("step %d: score fell from %v to %v in one step", i, prev, got)
				}
				prev = got
			}
			if prev != 0 {
				t.Errorf("score at 3x the SLA = %v; want 0", prev)
			}
		})
	}
}
