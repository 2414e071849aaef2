package gateway

import (
	"github.com/backstophq/backstop/internal/breaker"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/route"
)

// outcome is an attempt with its breaker permit and, once it is known,
// the result of its first phase.
type outcome struct {
	a      *try
	permit breaker.Permit
	err    *failure.Error
}

// raced is what came of an attempt and, maybe, its hedge.
type raced struct {
	// win reached its first content first: deliver it. nil if none did.
	win *outcome
	// failed is, when win is nil, the failure to decide on: the last to
	// fail. Every other attempt has been closed and accounted.
	failed outcome
	// hedged reports that chain[i+1] was tried as a hedge.
	hedged bool
}

// race runs first's first phase; when the route hedges and first has not
// reached its first content within the hedge delay, it starts chain[i+1]
// too, and the first of the two to reach content wins while the other is
// cancelled. Only a request's first attempt may hedge, once.
func (c *call) race(chain []*route.Target, i, tries int, first outcome) raced {
	h := c.route.Hedge
	if h == nil || tries > 1 || c.hedges > 0 || i+1 >= len(chain) {
		first.err = first.a.get()
		return c.settle(&first, false)
	}
	done := make(chan *outcome, 2)
	run := func(o *outcome) { o.err = o.a.get(); done <- o }
	go run(&first)
	timer := c.s.clock.NewTimer(h.Delay(first.a.t))
	defer timer.Stop()
	select {
	case o := <-done:
		return c.settle(o, false)
	case <-timer.C():
	}
	second, ok := c.hedge(chain[i+1])
	if !ok {
		return c.settle(<-done, false)
	}
	go run(second)
	o := <-done
	if o.err == nil {
		other := second
		if o == second {
			other = &first
		}
		other.a.lost.Store(true)
		other.a.cancel()
		c.concede(<-done, "lost_hedge")
		c.s.opts.Metrics.Hedges.WithLabelValues(c.route.Name, second.a.t.Name, winner(o == second)).Inc()
		return raced{win: o, hedged: true}
	}
	c.concede(o, "hedge")
	r := c.settle(<-done, true)
	result := "both_failed"
	if r.win != nil {
		result = winner(r.win == second)
	}
	c.s.opts.Metrics.Hedges.WithLabelValues(c.route.Name, second.a.t.Name, result).Inc()
	return r
}

// settle turns an attempt whose first phase is over into a race's result.
func (c *call) settle(o *outcome, hedged bool) raced {
	if o.err == nil && !o.a.lost.Load() {
		return raced{win: o, hedged: hedged}
	}
	o.a.close()
	c.account(o.a, o.permit, o.err)
	return raced{failed: *o, hedged: hedged}
}

// concede closes and accounts an attempt that did not win, noting it in
// the request's trail.
func (c *call) concede(o *outcome, next string) {
	o.a.close()
	if o.err == nil {
		// It reached content just after losing: nobody's failure.
		o.err = failure.Newf(failure.Canceled, "lost the hedge race")
	}
	c.account(o.a, o.permit, o.err)
	c.note(o.a.t, o.err, next)
}

// hedge starts an attempt on t as a hedge, if t's breaker and the route's
// hedge budget allow it.
func (c *call) hedge(t *route.Target) (*outcome, bool) {
	body, ok := c.sendable(t)
	if !ok {
		return nil, false
	}
	b := c.route.Breaker(t)
	var permit breaker.Permit
	if b != nil {
		p, ok := b.Allow()
		if !ok {
			return nil, false
		}
		permit = p
	}
	if !c.route.Hedge.Take() {
		permit.Report(false, false)
		return nil, false
	}
	c.hedges++
	return &outcome{a: c.newTry(t, body), permit: permit}, true
}

func winner(hedge bool) string {
	if hedge {
		return "hedge_won"
	}
	return "first_won"
}
