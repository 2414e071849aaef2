// Package probe sends active health probes: for each target that asks for
// them, a tiny real request (one token, streamed; for an embeddings model,
// the embedding of one word) on a jittered interval, whose outcome,
// latency and time to first token are recorded in the target's health
// window exactly as a live attempt's would be. A target
// that gets no traffic, such as a fallback, thus has a known health before
// it is needed.
//
// Probes run off the request path, on an injected clock, so tests drive
// them in virtual time.
package probe

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/dialect"
	"github.com/backstophq/backstop/internal/route"
	"github.com/backstophq/backstop/internal/translate"
)

// Options configure a Prober.
type Options struct {
	// Clock schedules and times probes. Default: the wall clock.
	Clock clock.Clock
	// Random returns a uniform float in [0,1) for the jitter. It is
	// called with the prober's lock held, so it need not be safe for
	// concurrent use. Default: math/rand/v2's Float64.
	Random func() float64
	// OnResult, if set, is called once per due probe (sent, skipped or
	// stopped), after the probe has ended and its outcome is recorded,
	// on the probe's goroutine. It must not block long: Stop waits for
	// it.
	OnResult func(Result)
}

// Prober probes a fixed set of targets. Use New, then Start once; Stop
// ends it. Its methods are safe for concurrent use.
type Prober struct {
	clock    clock.Clock
	random   func() float64
	onResult func(Result)
	targets  []*probed

	mu      sync.Mutex // guards ctx, cancel, stopped and every probed.timer
	ctx     context.Context
	cancel  context.CancelFunc
	stopped bool
	// wg counts the watcher and every armed timer until its callback
	// returns or the watcher stops it. Adds happen under mu while !stopped,
	// and the watcher's count lasts until stopped is set, so no Add
	// comes after Wait may have seen zero.
	wg sync.WaitGroup
}

// probed is one target's probing state.
type probed struct {
	target *route.Target
	Schedule
	body []byte // the probe request, made once
	// embeddings: the target is an embeddings model, which serves no
	// chat; its probe embeds one word, not streamed.
	embeddings bool
	timer      clock.Timer // the next due probe; guarded by Prober.mu
	running    atomic.Bool // a probe is under way
	counts     counters
}

// New returns a prober of targets, which are probed from Start on. A
// target whose Interval or Timeout is not above 0 is not probed.
func New(targets []Target, opts Options) *Prober {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Random == nil {
		opts.Random = rand.Float64
	}
	p := &Prober{clock: opts.Clock, random: opts.Random, onResult: opts.OnResult}
	for _, t := range targets {
		if t.Interval > 0 && t.Timeout > 0 && t.Target != nil {
			p.targets = append(p.targets, newProbed(t))
		}
	}
	return p
}

// Start schedules the first probe of every target, one jittered interval
// from now, and returns. Probing goes on until ctx ends or Stop is
// called; probes under way then are cancelled and not recorded. Start
// panics if called twice.
func (p *Prober) Start(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx != nil {
		panic("probe: Prober.Start called twice")
	}
	p.ctx, p.cancel = context.WithCancel(ctx)
	for _, t := range p.targets {
		p.schedule(t)
	}
	p.wg.Add(1)
	go p.watch()
}

// Stop ends probing, as ending Start's context does, and returns once
// every goroutine of the prober has returned, OnResult calls included.
// It may be called more than once; before Start it does nothing.
func (p *Prober) Stop() {
	p.mu.Lock()
	cancel := p.cancel
	p.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	p.wg.Wait()
}

// Counts returns each probed target's counters, by target name.
func (p *Prober) Counts() map[string]Counts {
	out := make(map[string]Counts, len(p.targets))
	for _, t := range p.targets {
		out[t.target.Name] = t.counts.load()
	}
	return out
}

// watch stops the timers once the prober's context ends, so that no
// probe starts after that. A timer that fired already runs its callback,
// which sees stopped and returns.
func (p *Prober) watch() {
	defer p.wg.Done()
	<-p.ctx.Done()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	for _, t := range p.targets {
		if t.timer.Stop() {
			p.wg.Done() // its callback will never run
		}
	}
}

// schedule arms t's next probe one jittered interval from now. Caller
// must hold p.mu, with p.stopped false.
func (p *Prober) schedule(t *probed) {
	p.wg.Add(1)
	t.timer = p.clock.AfterFunc(t.wait(p.random()), func() { p.fire(t) })
}

// fire runs t's due probe, on the timer's goroutine. The next probe is
// armed first, so that probes keep their rate whatever this one takes; a
// probe due while the previous one still runs is skipped, never stacked.
func (p *Prober) fire(t *probed) {
	defer p.wg.Done()
	p.mu.Lock()
	if p.stopped || p.ctx.Err() != nil {
		p.mu.Unlock()
		return
	}
	p.schedule(t)
	ctx := p.ctx
	p.mu.Unlock()

	if !t.running.CompareAndSwap(false, true) {
		t.counts.skipped.Add(1)
		p.report(Result{Target: t.target.Name, Skipped: true})
		return
	}
	r := p.probe(ctx, t)
	t.running.Store(false)
	p.report(r)
}

func (p *Prober) report(r Result) {
	if p.onResult != nil {
		p.onResult(r)
	}
}

// newProbed is t's probing state, with its probe request: a one-token
// chat in t's dialect, or, for an embeddings model, the embedding of one
// word.
func newProbed(t Target) *probed {
	pt := &probed{target: t.Target, Schedule: t.Schedule}
	d := dialect.For(t.Target.Speaks())
	if !t.Target.Caps.EmbeddingsOnly {
		pt.body = d.ProbeBody(t.Target.Model)
		return pt
	}
	pt.embeddings = true
	// Embeddings-only models are Gemini's and Bedrock's, whose requests
	// are translated. A model of no known family gets no body: its probes
	// fail, as its requests would be skipped.
	ping := &translate.EmbeddingsRequest{Inputs: []string{"ping"}}
	if b, err := translate.EncodeEmbeddings(d.ID(), t.Target.Model, ping); err == nil {
		pt.body = b
	}
	return pt
}
