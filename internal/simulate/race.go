package simulate

import (
	"github.com/backstophq/backstop/internal/breaker"
	"github.com/backstophq/backstop/internal/dialect"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/route"
	"github.com/backstophq/backstop/internal/translate"
)

// race is call.race: a's first phase, with a hedge on chain[i+1] when the
// route hedges, this is the request's first attempt, and a has not
// reached content within the hedge delay. When a's first phase ends
// exactly at the delay, a is taken to have ended first.
func (q *request) race(i, tries int, a *attempt) {
	h := q.s.route.Hedge
	if h == nil || tries > 1 || q.hedges > 0 || i+1 >= len(q.chain) || a.c.first <= h.Delay(a.t) {
		q.s.schedule(a.firstAt(), prioAttempt, func() { q.settle(i, tries, a, false) })
		return
	}
	q.s.schedule(a.start+h.Delay(a.t), prioAttempt, func() { q.hedgeDue(i, tries, a) })
}

// hedgeDue runs when a has gone without content for the hedge delay: it
// starts the hedge if chain[i+1]'s breaker and the budget allow it, and
// then the first of the two to reach content wins.
func (q *request) hedgeDue(i, tries int, a *attempt) {
	b, ok := q.hedge(q.chain[i+1])
	if !ok {
		q.s.schedule(a.firstAt(), prioAttempt, func() { q.settle(i, tries, a, false) })
		return
	}
	p := &pair{q: q, i: i, tries: tries, first: a, second: b}
	q.s.schedule(a.firstAt(), prioAttempt, func() { p.done(a) })
	q.s.schedule(b.firstAt(), prioAttempt, func() { p.done(b) })
}

// hedge is call.hedge: an attempt on t, if its breaker and the route's
// hedge budget allow one.
func (q *request) hedge(t *route.Target) (*attempt, bool) {
	var permit breaker.Permit
	if b := q.s.route.Breaker(t); b != nil {
		p, ok := b.Allow()
		if !ok {
			return nil, false
		}
		permit = p
	}
	if !q.s.route.Hedge.Take() {
		permit.Report(false, false)
		return nil, false
	}
	q.hedges++
	q.s.counts.hedges++
	return q.newAttempt(t, permit, q.s.sc.Tokens), true
}

// pair is a hedged race between an attempt and its hedge.
type pair struct {
	q             *request
	i, tries      int
	first, second *attempt
	one           bool // one of the two has ended its first phase
}

// done is the rest of call.race, when o's first phase ends: the first to
// reach content wins and the other is cancelled, which is nobody's
// failure; a failure is conceded, and the request goes on with whatever
// the other comes to.
func (p *pair) done(o *attempt) {
	if o.closed {
		return // cancelled: it lost the race
	}
	other := p.second
	if o == p.second {
		other = p.first
	}
	if p.one {
		if o.c.err == nil && o == p.second {
			p.q.s.counts.hedgeWins++
		}
		p.q.settle(p.i, p.tries, o, true)
		return
	}
	p.one = true
	if o.c.err == nil {
		other.close()
		other.account(failure.Newf(failure.Canceled, "lost the hedge race"))
		if o == p.second {
			p.q.s.counts.hedgeWins++
		}
		p.q.deliver(o)
		return
	}
	o.close()
	o.account(o.c.err)
}

// cut is call.cut: a committed stream failed. When the route continues
// cut streams, this is the first cut and the deadline has not passed, a
// prefill-capable target takes the answer over; otherwise the client gets
// the error. accountCut accounts the attempt that broke, once the
// continuation, if any, is over, as the gateway does.
func (q *request) cut(a *attempt, ferr *failure.Error, accountCut func()) {
	if q.continues(a) && !q.continued && q.s.remaining(q.arrival) > 0 {
		q.continued = true
		if t, permit, ok := q.continuationTarget(a.t); ok {
			q.continueOn(t, permit, a, ferr, accountCut)
			return
		}
	}
	q.finish(resultError, "midstream_"+ferr.Reason())
	accountCut()
}

// continues is call.continues: the route continues cut streams, and the
// stream is not translated (simulated clients speak OpenAI).
func (q *request) continues(a *attempt) bool {
	return q.s.route.ContinueOnCut && openAI(a.t)
}

func openAI(t *route.Target) bool { return dialect.For(t.Speaks()).ID() == translate.OpenAI }

// continuationTarget is call.continuationTarget: the first target after
// from in the chain, wrapping round, that speaks OpenAI, takes a prefill
// and whose breaker allows an attempt.
func (q *request) continuationTarget(from *route.Target) (*route.Target, breaker.Permit, bool) {
	at := 0
	for i, t := range q.chain {
		if t == from {
			at = i
		}
	}
	n := len(q.chain)
	for k := 1; k < n; k++ {
		t := q.chain[(at+k)%n]
		if !t.Prefill || !openAI(t) {
			continue
		}
		b := q.s.route.Breaker(t)
		if b == nil {
			return t, breaker.Permit{}, true
		}
		if p, ok := b.Allow(); ok {
			return t, p, true
		}
	}
	return nil, breaker.Permit{}, false
}

// continueOn is call.continueOn: t is asked for the rest of the answer
// (the chunks a did not send, at least one). If t reaches content the
// client reads on, and t's own failure after that ends the stream.
func (q *request) continueOn(t *route.Target, permit breaker.Permit, a *attempt, cause *failure.Error, accountCut func()) {
	q.s.counts.continuations++
	c := q.newAttempt(t, permit, max(q.s.sc.Tokens-a.c.chunks, 1))
	q.s.schedule(c.firstAt(), prioAttempt, func() {
		if c.c.err != nil {
			c.close()
			c.account(c.c.err)
			q.finish(resultError, "midstream_"+cause.Reason())
			accountCut()
			return
		}
		q.served = t
		q.s.schedule(c.endAt(), prioAttempt, func() {
			c.close()
			c.account(c.c.endErr)
			if c.c.endErr != nil {
				q.finish(resultError, "midstream_"+c.c.endErr.Reason())
			} else {
				q.finish(resultOK, "")
			}
			accountCut()
		})
	})
}
