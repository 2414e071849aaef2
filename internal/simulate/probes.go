package simulate

import (
	"math/rand/v2"
	"time"

	"github.com/backstophq/backstop/internal/breaker"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/probe"
	"github.com/backstophq/backstop/internal/route"
)

// probed is one target's active health probes: internal/probe's Prober,
// as `backstop serve` runs it beside the routing table, in virtual time.
type probed struct {
	t probe.Target
	// running: a probe is under way; one due meanwhile is skipped.
	running bool
}

// probeTokens is a probe's answer length: it asks for one token.
const probeTokens = 1

// startProbes schedules the first probe of every target the config
// probes (probe.FromConfig, as serve does), one jittered interval from
// the start, whether or not the simulated route uses the target: probes
// of a shared provider take its fault draws as they would.
func (s *sim) startProbes(cfg *config.Config) {
	random := rand.New(rand.NewPCG(s.sc.Seed, streamProbe)).Float64
	for _, pt := range probe.FromConfig(cfg, s.router.Targets()) {
		if pt.Interval <= 0 || pt.Timeout <= 0 {
			continue // probe.New leaves these out
		}
		p := &probed{t: pt}
		s.schedule(probeWait(pt.Schedule, random()), prioProbe, func() { s.probeDue(p, random) })
	}
}

// probeWait is probe.Schedule's wait (unexported there): Interval·(1 +
// Jitter·(2r − 1)) for a uniform r in [0,1), at least a millisecond.
func probeWait(sc probe.Schedule, r float64) time.Duration {
	return max(time.Duration(float64(sc.Interval)*(1+sc.Jitter*(2*r-1))), time.Millisecond)
}

// probeDue is Prober.fire: the next probe is armed first, so that probes
// keep their rate; a probe due while the previous one runs is skipped.
func (s *sim) probeDue(p *probed, random func() float64) {
	if next := s.now + probeWait(p.t.Schedule, random()); s.lasts(next) {
		s.schedule(next, prioProbe, func() { s.probeDue(p, random) })
	}
	if p.running {
		s.counts.probesSkipped++
		return
	}
	p.running = true
	t := p.t.Target
	start := s.now
	ans := shape(s.provs.next(t.Provider.Name()), true, probeTokens, s.clock.Now())
	c := ans.run(limits{firstToken: p.t.Timeout, remaining: forever}, true)
	if rw := s.second(start); rw != nil {
		if i, ok := s.index[t]; ok {
			rw.targets[i].healthProbes++
			if c.err != nil {
				rw.targets[i].healthFailed++
			}
		}
	}
	s.schedule(start+c.first, prioAttempt, func() { s.probeDone(p, c) })
}

// probeDone is the end of Prober.probe and the gateway's recoverOnProbe:
// the outcome goes to the target's health window as a streamed attempt's
// would (the time to first token as both latency and TTFT), and a probe
// that passed closes the target's breakers on every route.
func (s *sim) probeDone(p *probed, c course) {
	p.running = false
	t := p.t.Target
	s.counts.probes++
	if c.err != nil {
		s.counts.probesFailed++
		t.Health.Record(health.Outcome{Counted: c.err.CountsAgainstProvider()})
		return
	}
	t.Health.Record(health.Outcome{Success: true, Counted: true, Latency: c.first, TTFT: c.first})
	recoverBreakers(t, &s.counts)
}

// recoverBreakers closes t's breakers, counting those it closes.
func recoverBreakers(t *route.Target, n *counts) {
	for _, b := range t.Breakers {
		if b.State() != breaker.Closed {
			n.recoveries++
		}
		b.Recover()
	}
}
