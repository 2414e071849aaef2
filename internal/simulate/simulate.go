// Package simulate replays a fault scenario against one route of a config
// in virtual time: no sleeping, no sockets. It drives the code `backstop
// serve` decides with (route.Plan for the chain, each target's breaker,
// its passive health window, the route's retry policy and timeouts,
// Router.UpdateTable on the config's health_interval, hedging's delay and
// budget), mirroring the gateway's request loop (internal/gateway's
// chat.go and hedge.go) around them, and replaces only the providers,
// whose answers follow the mock's fault semantics (mock.Fault).
//
// The run is a discrete-event simulation: request arrivals, attempt
// phases, retry waits, table updates, timeline steps and per-second
// samples sit in one queue ordered by virtual time, and the fake clock is
// moved to each event's time before it runs. Every random choice comes
// from the scenario's seed, so the same config, scenario and seed give
// the same Result, byte for byte once written.
package simulate

import (
	"math/rand/v2"
	"time"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/route"
)

// epoch is the virtual time a run starts at. Nothing depends on its
// value; a fixed one keeps runs identical.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// drainCap bounds how long a run goes on after the last arrival when the
// route has no total deadline to end its requests.
const drainCap = 10 * time.Minute

// sim is one run. It is used by one goroutine.
type sim struct {
	sc     *Scenario
	clock  *clock.Fake
	now    time.Duration // since epoch; the clock reads epoch+now
	events queue
	seq    uint64

	router   *route.Router
	route    *route.Route
	targets  []*route.Target // the route's members, then its fallbacks
	index    map[*route.Target]int
	provs    *providers
	interval time.Duration // between routing table updates
	end      time.Duration // no arrival at or after it
	drain    time.Duration // no table update after it

	records []record // one per request, in arrival order
	active  int      // requests not over
	rows    []row
	counts  counts
}

// Run replays sc against the route it names in cfg, which must be valid
// (config.Load and config.Parse validate). The providers of cfg are built
// but never called.
func Run(cfg *config.Config, sc *Scenario) (*Result, error) {
	name, err := sc.Check(cfg)
	if err != nil {
		return nil, err
	}
	clk := clock.NewFake(epoch)
	rt, err := route.Build(cfg, route.Options{UserAgent: "backstop-simulate", Clock: clk,
		BreakerJitter: rand.New(rand.NewPCG(sc.Seed, streamCooldown)).Int64N})
	if err != nil {
		return nil, err
	}
	defer rt.Close()
	r := rt.Route(name)
	derandomise(r, sc.Seed)
	s := &sim{
		sc: sc, clock: clk, router: rt, route: r,
		index:    map[*route.Target]int{},
		interval: cfg.HealthInterval.D(),
		end:      sc.Duration.D(),
	}
	if s.interval <= 0 {
		s.interval = time.Second // what serve's table loop does with 0
	}
	s.drain = s.end + drainCap
	if r.Timeouts.Total > 0 {
		s.drain = s.end + r.Timeouts.Total + s.interval
	}
	for _, m := range r.Members {
		s.addTarget(m.Target)
	}
	for _, t := range r.Fallbacks {
		s.addTarget(t)
	}
	var names []string
	for _, t := range rt.Targets() {
		names = append(names, t.Provider.Name())
	}
	s.provs = newProviders(sc, names)
	rows := int((s.end + time.Second - 1) / time.Second)
	s.rows = make([]row, rows)
	for i := range s.rows {
		s.rows[i] = newRow(len(s.targets))
	}
	s.start()
	s.startProbes(cfg)
	s.loop()
	return s.result(cfg)
}

func (s *sim) addTarget(t *route.Target) {
	if _, ok := s.index[t]; !ok {
		s.index[t] = len(s.targets)
		s.targets = append(s.targets, t)
	}
}

// Streams of the scenario's seed, one per use, so that a change in one
// (say, more retries) does not reshuffle the others.
const (
	streamWeighted = iota + 1
	streamDrill
	streamBackoff
	streamCooldown
	streamProbe
)

// derandomise replaces the route's sources of randomness, which default
// to math/rand/v2's unseeded generator, with streams of the scenario's
// seed: the weighted strategy's picks, drills and backoff jitter (the
// breakers' cooldown jitter is given to route.Build). It runs before the
// first request, so nothing reads the route while it changes.
func derandomise(r *route.Route, seed uint64) {
	if _, ok := r.Strategy.(route.Weighted); ok {
		r.Strategy = route.Weighted{Float64: rand.New(rand.NewPCG(seed, streamWeighted)).Float64}
	}
	r.Random = rand.New(rand.NewPCG(seed, streamDrill)).Float64
	r.Retry.Jitter = rand.New(rand.NewPCG(seed, streamBackoff)).Int64N
}

// start schedules what is known in advance: the first table update, the
// samples at the end of each second, the timeline and the first arrival.
func (s *sim) start() {
	s.schedule(0, prioTable, s.updateTable)
	for k := range s.rows {
		s.schedule(time.Duration(k+1)*time.Second, prioSample, func() { s.sample(k) })
	}
	for _, st := range s.sc.Timeline {
		s.schedule(st.At.D(), prioStep, func() { s.provs.apply(st) })
	}
	s.schedule(0, prioArrival, func() { s.arrive(0) })
}

// updateTable is serve's table loop: an update now, and the next one an
// interval later while the run lasts.
func (s *sim) updateTable() {
	s.router.UpdateTable(s.clock.Now())
	if next := s.now + s.interval; s.lasts(next) {
		s.schedule(next, prioTable, s.updateTable)
	}
}

// lasts reports whether the run still goes on at t: while requests
// arrive, then while some are in flight, up to the drain limit. The loops
// that would otherwise go on for ever (table updates, probes) stop then.
func (s *sim) lasts(t time.Duration) bool {
	return t < s.end || s.active > 0 && t <= s.drain
}

// arrive starts request i and schedules the next arrival.
func (s *sim) arrive(i int) {
	if next := s.sc.arrival(i + 1); next < s.end {
		s.schedule(next, prioArrival, func() { s.arrive(i + 1) })
	}
	s.records = append(s.records, record{arrival: s.now, served: -1, result: resultStuck})
	q := &request{s: s, arrival: s.now, id: len(s.records) - 1}
	s.active++
	q.begin()
}

// sample records, at the end of second k, the routing table in force
// during it and the breakers' states.
func (s *sim) sample(k int) {
	rw := &s.rows[k]
	if tb := s.router.Table(); tb != nil {
		if rs := tb.Routes[s.route.Name]; rs != nil {
			for _, m := range rs.Members {
				i := s.index[m.Target]
				rw.targets[i].weight, rw.targets[i].score, rw.targets[i].member = m.Weight, m.Score, true
				rw.targets[i].reason = m.Reason
			}
		}
	}
	for i, t := range s.targets {
		if b := s.route.Breaker(t); b != nil {
			rw.targets[i].breaker = b.State()
		}
	}
}

// second is the row of virtual time d, or nil past the last row.
func (s *sim) second(d time.Duration) *row {
	k := int(d / time.Second)
	if k < 0 || k >= len(s.rows) {
		return nil
	}
	return &s.rows[k]
}

// remaining is what is left at now of the total deadline of a request
// that arrived at arrival; forever when the route has none.
func (s *sim) remaining(arrival time.Duration) time.Duration {
	if s.route.Timeouts.Total <= 0 {
		return forever
	}
	return arrival + s.route.Timeouts.Total - s.now
}
