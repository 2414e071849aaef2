package health

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// SLA is what an operator asks of a target. A zero field is not checked.
type SLA struct {
	// P99Latency is the highest acceptable 99th percentile latency. It is
	// judged against the TTFT percentiles when the window holds TTFT
	// samples, and against total latency otherwise: an LLM's total
	// latency grows with the length of its answer, so for streamed
	// traffic only the time to first token says how the target is doing.
	// Callers that serve non-streamed responses through a target that
	// also streams should record TTFT = Latency for them, so that one
	// measure is judged.
	P99Latency time.Duration
	// ErrorRate is the highest acceptable share of counted failures,
	// e.g. 0.02.
	ErrorRate float64
	// ConsecutiveFailures is the number of counted failures in a row at
	// which the score is 0.
	ConsecutiveFailures int
	// MinRequests: below this many counted requests in the window,
	// latency and error rate are not judged (too few to mean anything),
	// and the score comes from the failures in a row alone.
	MinRequests int
}

// Score rates s against sla: 1 when the target meets the SLA, less the
// further it misses it, and a short reason when below 1 ("ttft p99 7.2s >
// 5s", "errors 12% > 2%", "4 failures in a row"). Each checked measure
// gives a component and the lowest wins (on a tie, the first of failures
// in a row, errors, latency):
//
//   - latency and error rate: a measure at k times its SLA scores 2 − k,
//     clamped to [0, 1]. So 1 at the SLA, 0.75 at 1.25×, 0.5 at 1.5×, 0 at
//     twice the SLA: continuous and falling steadily with the excess,
//     never a step from 1 to 0.
//   - failures in a row: c failures of an SLA of n score 1 − c/n, so 0
//     from n on, and one failure only dents the score.
//
// Score is a pure function.
func Score(s Stats, sla SLA) (float64, string) {
	score, reason := 1.0, ""
	consider := func(v float64, why func() string) {
		if v < score {
			score, reason = v, why()
		}
	}
	if n := sla.ConsecutiveFailures; n > 0 && s.Consecutive > 0 {
		consider(math.Max(0, 1-float64(s.Consecutive)/float64(n)), func() string { return inARow(s.Consecutive) })
	}
	if s.Requests == 0 || s.Requests < int64(sla.MinRequests) {
		return score, reason
	}
	if sla.ErrorRate > 0 {
		consider(overshoot(s.ErrorRate/sla.ErrorRate), func() string {
			return "errors " + percent(s.ErrorRate) + " > " + percent(sla.ErrorRate)
		})
	}
	if sla.P99Latency > 0 {
		p, name := s.TTFT, "ttft p99 "
		if p.Count == 0 {
			p, name = s.Latency, "p99 "
		}
		if p.Count > 0 {
			consider(overshoot(float64(p.P99)/float64(sla.P99Latency)), func() string {
				return name + short(p.P99) + " > " + short(sla.P99Latency)
			})
		}
	}
	return score, reason
}

// overshoot scores a measure at k times its SLA: 2 − k within [0, 1].
func overshoot(k float64) float64 {
	return math.Min(1, math.Max(0, 2-k))
}

// InARow writes a count of failures in a row: "4 failures in a row".
func InARow(n int) string { return inARow(n) }

// Percent writes a share as Score's reasons do: "12.5%".
func Percent(x float64) string { return percent(x) }

func inARow(n int) string {
	if n == 1 {
		return "1 failure in a row"
	}
	return strconv.Itoa(n) + " failures in a row"
}

// percent writes a share with up to three significant digits: "12.5%".
func percent(x float64) string { return fmt.Sprintf("%.3g%%", x*100) }

// short writes d to a precision a reader needs: "7.23s", "850ms".
func short(d time.Duration) string {
	switch {
	case d >= time.Second:
		d = d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		d = d.Round(time.Millisecond)
	}
	return d.String()
}
