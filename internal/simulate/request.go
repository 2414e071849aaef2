package simulate

import (
	"time"

	"github.com/backstophq/backstop/internal/breaker"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/retry"
	"github.com/backstophq/backstop/internal/route"
)

// What a client got.
const (
	resultOK    = "ok"    // a whole answer from a target
	resultError = "error" // an error, or a stream that broke after it began
	resultBusy  = "busy"  // the route's on_exhausted message
	resultStuck = "stuck" // nothing, ever: a hang with no timeout and no deadline
)

// request is one client request: the gateway's call, as a state machine
// driven by events instead of a goroutine. Its methods mirror
// internal/gateway's chat.go, hedge.go and continue.go step for step;
// each names the gateway function it stands for.
type request struct {
	s       *sim
	arrival time.Duration
	buf     [route.MaxChain]*route.Target
	chain   []*route.Target
	drill   bool

	attempts  int
	hedges    int
	continued bool
	last      *failure.Error

	// id is the request's record in sim.records, written by finish.
	id     int
	served *route.Target // the target whose answer the client reads
	ttft   time.Duration // to the first byte of a streamed answer
}

// record is what a client got from one request: small, since a run keeps
// one per request.
type record struct {
	arrival, end time.Duration
	ttft         time.Duration // 0: none
	served       int           // the target's index in sim.targets; -1: none
	result       string        // resultStuck until the request is over
	reason       string        // why it was not ok: "exhausted", …
}

// attempt is one call to one target (the gateway's try).
type attempt struct {
	q      *request
	t      *route.Target
	permit breaker.Permit
	start  time.Duration
	c      course
	closed bool
}

// firstAt is when the attempt's first phase ends, in run time.
func (a *attempt) firstAt() time.Duration { return plus(a.start, a.c.first) }

// endAt is when the attempt's committed answer ends, in run time.
func (a *attempt) endAt() time.Duration { return plus(a.start, a.c.end) }

func plus(t, d time.Duration) time.Duration {
	if d == forever {
		return forever
	}
	return t + d
}

// begin is call.run: plan the chain, pay into the hedge budget, and try
// the first target.
func (q *request) begin() {
	r := q.s.route
	q.chain, q.drill = r.Plan(q.buf[:0])
	if q.drill {
		q.s.counts.drills++
	}
	if r.Hedge != nil {
		r.Hedge.Deposit()
	}
	q.onTarget(0, 1)
}

// onTarget is the top of call.onTarget: past the end of the chain the
// request is exhausted; a target its breaker refuses is skipped;
// otherwise an attempt starts, maybe with a hedge.
func (q *request) onTarget(i, tries int) {
	for ; i < len(q.chain); i, tries = i+1, 1 {
		permit, admitted := q.admit(i)
		if !admitted {
			continue
		}
		q.race(i, tries, q.newAttempt(q.chain[i], permit, q.s.sc.Tokens))
		return
	}
	q.exhausted(false)
}

// admit is call.admit: the breaker's leave, or, when this target and
// every one after it are open and nothing has been tried yet, an attempt
// anyway without a permit: a route never ejects all of its targets.
func (q *request) admit(i int) (breaker.Permit, bool) {
	b := q.s.route.Breaker(q.chain[i])
	if b == nil {
		return breaker.Permit{}, true
	}
	if p, ok := b.Allow(); ok {
		return p, true
	}
	if q.attempts > 0 {
		return breaker.Permit{}, false
	}
	for _, t := range q.chain[i:] {
		if nb := q.s.route.Breaker(t); nb != nil && nb.State() != breaker.Open {
			return breaker.Permit{}, false
		}
	}
	return breaker.Permit{}, true
}

// newAttempt is call.newTry: it starts an attempt on t for an answer of
// tokens chunks, under the fault its provider has now.
func (q *request) newAttempt(t *route.Target, permit breaker.Permit, tokens int) *attempt {
	s := q.s
	q.attempts++
	t.InFlight.Add(1)
	stream := s.sc.Stream
	ans := shape(s.provs.next(t.Provider.Name()), stream, tokens, s.clock.Now())
	l := limits{firstToken: s.route.FirstToken(t, stream), idle: s.route.Timeouts.Idle, remaining: s.remaining(q.arrival)}
	a := &attempt{q: q, t: t, permit: permit, start: s.now, c: ans.run(l, stream)}
	if rw := s.second(s.now); rw != nil {
		ts := &rw.targets[s.index[t]]
		ts.attempts++
		if permit.Probe() {
			ts.probes++
		}
	}
	return a
}

// close is try.close.
func (a *attempt) close() {
	if !a.closed {
		a.closed = true
		a.t.InFlight.Add(-1)
	}
}

// account is call.account: the target's passive health and its
// breaker's verdict. Failures that say nothing about the target count for
// neither.
func (a *attempt) account(ferr *failure.Error) {
	success := ferr == nil
	counted := success || ferr.CountsAgainstProvider()
	var ttft time.Duration
	if a.c.err == nil && a.c.first != forever {
		ttft = a.c.first
	}
	a.t.Health.Record(health.Outcome{Success: success, Counted: counted, Latency: a.q.s.now - a.start, TTFT: ttft})
	a.permit.Report(success, counted)
}

// settle is call.settle: an attempt whose first phase is over either
// wins (deliver) or has failed (decide what follows).
func (q *request) settle(i, tries int, a *attempt, hedged bool) {
	if a.c.err == nil {
		q.deliver(a)
		return
	}
	a.close()
	a.account(a.c.err)
	q.failed(i, tries, a.c.err, hedged)
}

// failed is the bottom of call.onTarget: what the retry policy makes of a
// failure on chain[i], the tries-th attempt there.
func (q *request) failed(i, tries int, ferr *failure.Error, hedged bool) {
	if hedged {
		// Both the target and its hedge failed: carry on after both.
		i, tries = i+1, 1
	}
	switch ferr.Kind {
	case failure.Deadline:
		q.exhausted(true)
		return
	case failure.Canceled:
		q.finish(resultError, "canceled") // no client leaves in a simulation
		return
	}
	q.last = ferr
	r := q.s.route
	d := r.Retry.Decide(ferr, tries, i < len(q.chain)-1, q.s.remaining(q.arrival))
	if d.Verdict == retry.RetrySame && hedged {
		d.Verdict = retry.MoveOn // a hedged pair is not retried
		if i == len(q.chain)-1 {
			d.Verdict = retry.GiveUp
		}
	}
	switch d.Verdict {
	case retry.Fatal:
		q.finish(resultError, "refused_"+ferr.Reason())
	case retry.GiveUp:
		q.exhausted(false)
	case retry.MoveOn:
		q.onTarget(i+1, 1)
	default: // retry.RetrySame: Decide made sure the wait fits the deadline
		q.s.counts.retries++
		q.s.schedule(q.s.now+d.Wait, prioAttempt, func() { q.onTarget(i, tries+1) })
	}
}

// exhausted is call.exhausted: the route's message when it has one, an
// error otherwise.
func (q *request) exhausted(deadline bool) {
	switch {
	case q.s.route.Exhausted != "":
		q.finish(resultBusy, "")
	case deadline:
		q.finish(resultError, "deadline")
	default:
		q.finish(resultError, "exhausted")
	}
}

// deliver is try.deliver: the request commits to a's target. A
// non-streamed answer is whole already; a stream runs to its end.
func (q *request) deliver(a *attempt) {
	q.served = a.t
	if !q.s.sc.Stream {
		a.close()
		a.account(nil)
		q.finish(resultOK, "")
		return
	}
	q.ttft = q.s.now - q.arrival
	if a.endAt() == forever {
		return // the stream stalls and nothing ends it: stuck
	}
	q.s.schedule(a.endAt(), prioAttempt, func() { q.streamEnded(a) })
}

// streamEnded is the end of try.pump: a clean end, or a failure after
// commit, which the client sees unless the route continues the stream.
func (q *request) streamEnded(a *attempt) {
	ferr := a.c.endErr
	if ferr == nil {
		a.close()
		a.account(nil)
		q.finish(resultOK, "")
		return
	}
	q.cut(a, ferr, func() {
		a.close()
		a.account(ferr)
	})
}

// finish ends the request with what the client got.
func (q *request) finish(result, reason string) {
	r := &q.s.records[q.id]
	r.result, r.reason, r.end, r.ttft = result, reason, q.s.now, q.ttft
	if result == resultOK {
		r.served = q.s.index[q.served]
	}
	q.s.active--
}
