package health

import "time"

// Sketch is a window's health in a form that merges: counts and
// histogram bins add up, so the sketches of several gateways (and of a
// checker's probes) sum to the fleet's health exactly, with the same
// percentile error bound as one window. It is what gateways push to the
// shared store; its JSON form is that wire format, so its bins are the
// fixed log-scale bins of this package.
type Sketch struct {
	Requests int64 `json:"requests"`
	Failures int64 `json:"failures"`
	// Consecutive is the counted failures in a row since LastSuccess.
	Consecutive int `json:"consecutive"`
	// Latency and TTFT are the histogram bin counts of successes.
	Latency [numBins]uint64 `json:"latency"`
	TTFT    [numBins]uint64 `json:"ttft"`
	// LastSuccess and LastFailure are Unix nanoseconds; 0 means never.
	LastSuccess int64 `json:"last_success"`
	LastFailure int64 `json:"last_failure"`
}

// Sketch sums the buckets still inside the span, as Snapshot does, into
// a mergeable form.
func (w *Window) Sketch() Sketch {
	_, epoch := w.at(w.clock.Now())
	var s Sketch
	for i := range w.buckets {
		b := &w.buckets[i]
		s.Failures += int64(b.failures.load(epoch, w.n))
		s.Requests += int64(b.requests.load(epoch, w.n))
		for k := range b.latency {
			s.Latency[k] += b.latency[k].load(epoch, w.n)
			s.TTFT[k] += b.ttft[k].load(epoch, w.n)
		}
	}
	s.Failures = min(s.Failures, s.Requests)
	s.Consecutive = int(w.consecutive.Load())
	s.LastSuccess = unixNanos(w.time(w.lastSuccess.Load()))
	s.LastFailure = unixNanos(w.time(w.lastFailure.Load()))
	return s
}

func unixNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// Merge adds o into s. Counts and bins add. Failures in a row are those
// of the fleet since its latest success anywhere: a sketch whose streak
// began before another's later success (a probe that passed, a replica
// that got an answer) contributes none, so that a target that recovered
// is not held down by a replica that stopped sending to it.
func (s *Sketch) Merge(o Sketch) {
	s.Requests += o.Requests
	s.Failures += o.Failures
	for k := range s.Latency {
		s.Latency[k] += o.Latency[k]
		s.TTFT[k] += o.TTFT[k]
	}
	success := max(s.LastSuccess, o.LastSuccess)
	streak := 0
	if s.LastFailure > success {
		streak += s.Consecutive
	}
	if o.LastFailure > success {
		streak += o.Consecutive
	}
	s.Consecutive = streak
	s.LastSuccess = success
	s.LastFailure = max(s.LastFailure, o.LastFailure)
}

// Stats reads s as a window's Stats, to be scored with Score.
func (s *Sketch) Stats() Stats {
	st := Stats{
		Requests:    max(s.Requests, 0),
		Failures:    min(max(s.Failures, 0), max(s.Requests, 0)),
		Consecutive: max(s.Consecutive, 0),
		Latency:     percentiles(&s.Latency),
		TTFT:        percentiles(&s.TTFT),
	}
	if st.Requests > 0 {
		st.ErrorRate = float64(st.Failures) / float64(st.Requests)
	}
	if s.LastSuccess != 0 {
		st.LastSuccess = time.Unix(0, s.LastSuccess)
	}
	if s.LastFailure != 0 {
		st.LastFailure = time.Unix(0, s.LastFailure)
	}
	return st
}
