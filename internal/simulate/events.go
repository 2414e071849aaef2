package simulate

import (
	"container/heap"
	"time"
)

// Kinds of events, in the order they run when due at the same instant: a
// second's sample sees the state just before that instant; a fault step
// applies before the table update, the probes and the attempts of that
// instant, and arrivals come last, so they meet all of it.
const (
	prioSample = iota
	prioStep
	prioTable
	prioProbe
	prioAttempt
	prioArrival
)

// event is something that happens at a virtual time.
type event struct {
	at   time.Duration // from the start of the run
	prio int
	seq  uint64 // ties within a kind run in the order they were scheduled
	run  func()
}

// queue is a priority queue of events by (at, prio, seq): the order is
// total, so a run is deterministic.
type queue []*event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	a, b := q[i], q[j]
	if a.at != b.at {
		return a.at < b.at
	}
	if a.prio != b.prio {
		return a.prio < b.prio
	}
	return a.seq < b.seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return e
}

// schedule adds an event at time at. An event at forever is dropped: it
// never comes.
func (s *sim) schedule(at time.Duration, prio int, run func()) {
	if at == forever {
		return
	}
	s.seq++
	heap.Push(&s.events, &event{at: at, prio: prio, seq: s.seq, run: run})
}

// loop runs the events in order, moving the fake clock to each one's time
// first, so that breakers and health windows see the right "now".
func (s *sim) loop() {
	for s.events.Len() > 0 {
		e := heap.Pop(&s.events).(*event)
		if e.at > s.now {
			s.clock.Advance(e.at - s.now)
			s.now = e.at
		}
		e.run()
	}
}
