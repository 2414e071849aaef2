package route

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/backstophq/backstop/internal/breaker"
	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/health"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/openai"
	"github.com/backstophq/backstop/internal/provider"
	"github.com/backstophq/backstop/internal/retry"
)

// Router is every route of one config, with the targets and providers they
// use. It is built once per config and never changed; a new config builds
// a new Router.
type Router struct {
	routes    map[string]*Route
	names     []string // sorted route names, for GET /v1/models
	targets   map[string]*Target
	providers map[string]provider.Provider
	table     atomic.Pointer[Table]

	// liveMu serialises the writes of the routes' live states (local
	// table updates and shared tables), off the request path; it guards
	// shared.
	liveMu sync.Mutex
	shared Shared
}

// Options are what Build needs besides the config.
type Options struct {
	// UserAgent is what providers send as User-Agent.
	UserAgent string
	// Clock drives health windows and breakers. Default: the wall clock.
	Clock clock.Clock
	// BreakerJitter, when set, draws the breakers' cooldown jitter
	// (breaker.Config.Jitter), so that a replay in virtual time is
	// reproducible. It must be safe for the caller's concurrency. Default:
	// math/rand/v2.
	BreakerJitter func(n int64) int64
}

// healthBuckets gives a health window of span about one-second buckets
// (between 10 and 60 of them), so that it reacts within a second.
func healthBuckets(span time.Duration) int {
	return min(max(int(span/time.Second), 10), 60)
}

// Build compiles a validated config.
func Build(cfg *config.Config, opts Options) (*Router, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	userAgent := opts.UserAgent
	span := cfg.HealthWindow.D()
	if span <= 0 {
		span = health.DefaultSpan
	}
	rt := &Router{
		routes:    make(map[string]*Route, len(cfg.Routes)),
		targets:   make(map[string]*Target, len(cfg.Targets)),
		providers: make(map[string]provider.Provider, len(cfg.Providers)),
	}
	for name, pc := range cfg.Providers {
		p, err := newProvider(name, pc, userAgent)
		if err != nil {
			rt.Close()
			return nil, err
		}
		rt.providers[name] = p
	}
	for name, tc := range cfg.Targets {
		p, ok := rt.providers[tc.Provider]
		if !ok {
			rt.Close()
			return nil, fmt.Errorf("targets.%s.provider: unknown provider %q", name, tc.Provider)
		}
		rt.targets[name] = &Target{
			Name: name, Provider: p, Model: tc.Model, QuotedModel: openai.Quote(tc.Model), Dialect: provider.DialectOf(p, tc.Model),
			Tier: tc.Tier, FirstToken: tc.FirstToken.D(),
			Health: health.NewWindow(opts.Clock, span, healthBuckets(span)),
			Price:  tc.Price, Prefill: tc.HasPrefill(),
			Caps:     capabilities(tc, cfg.Providers[tc.Provider].Type),
			identity: cfg.Providers[tc.Provider].Type + " " + cfg.Providers[tc.Provider].BaseURL + " " + tc.Model,
		}
	}
	for name, rc := range cfg.Routes {
		r, err := rt.buildRoute(name, rc, cfg.Headers, opts)
		if err != nil {
			rt.Close()
			return nil, err
		}
		rt.routes[name] = r
		rt.names = append(rt.names, name)
	}
	sort.Strings(rt.names)
	return rt, nil
}

func newProvider(name string, pc *config.Provider, userAgent string) (provider.Provider, error) {
	switch pc.Type {
	case config.ProviderOpenAI:
		return provider.NewOpenAI(name, pc, userAgent)
	case config.ProviderAnthropic:
		return provider.NewAnthropic(name, pc, userAgent)
	case config.ProviderAzure:
		return provider.NewAzure(name, pc, userAgent)
	case config.ProviderGemini:
		return provider.NewGemini(name, pc, userAgent)
	case config.ProviderBedrock:
		return provider.NewBedrock(name, pc, userAgent)
	}
	return nil, fmt.Errorf("providers.%s.type: %q is not supported", name, pc.Type)
}

func (rt *Router) buildRoute(name string, rc *config.Route, global []string, opts Options) (*Route, error) {
	clk := opts.Clock
	strategy, err := NewStrategy(rc.Strategy)
	if err != nil {
		return nil, fmt.Errorf("routes.%s.strategy: %w", name, err)
	}
	policy, err := retry.Compile(rc.Retry)
	if err != nil {
		return nil, fmt.Errorf("routes.%s.%w", name, err)
	}
	r := &Route{
		Name:                name,
		Strategy:            strategy,
		Retry:               policy,
		Timeouts:            timeouts(rc.Timeouts),
		Headers:             headerList(BuiltinHeaders, global, rc.Headers),
		Exhausted:           rc.OnExhausted.Message,
		ExhaustedRetryAfter: rc.OnExhausted.RetryAfter.D(),
	}
	if len(rc.Targets)+len(rc.Fallbacks) > MaxChain {
		return nil, fmt.Errorf("routes.%s: %d targets and fallbacks; at most %d", name, len(rc.Targets)+len(rc.Fallbacks), MaxChain)
	}
	for i, m := range rc.Targets {
		t, ok := rt.targets[m.Target]
		if !ok {
			return nil, fmt.Errorf("routes.%s.targets[%d]: unknown target %q", name, i, m.Target)
		}
		r.Members = append(r.Members, Member{Target: t, Weight: m.Weight})
	}
	for i, f := range rc.Fallbacks {
		t, ok := rt.targets[f]
		if !ok {
			return nil, fmt.Errorf("routes.%s.fallbacks[%d]: unknown target %q", name, i, f)
		}
		r.Fallbacks = append(r.Fallbacks, t)
	}
	if rc.ContextFallback != "" {
		t, ok := rt.targets[rc.ContextFallback]
		if !ok {
			return nil, fmt.Errorf("routes.%s.context_fallback: unknown target %q", name, rc.ContextFallback)
		}
		r.ContextFallback = t
	}
	r.Breakers = make(map[*Target]*breaker.Breaker, len(r.Members)+len(r.Fallbacks))
	r.breakerConfig = rc.Breaker
	bc := breakerConfig(rc.Breaker)
	bc.Jitter = opts.BreakerJitter
	for _, t := range r.Chain(nil) {
		r.Breakers[t] = breaker.New(bc, clk)
	}
	for _, m := range r.Members {
		if r.Breakers[m.Target] == nil { // weight 0: not in the chain, still listed
			r.Breakers[m.Target] = breaker.New(bc, clk)
		}
	}
	if f := r.ContextFallback; f != nil && r.Breakers[f] == nil {
		r.Breakers[f] = breaker.New(bc, clk)
	}
	for t, b := range r.Breakers {
		t.Breakers = append(t.Breakers, b)
	}
	r.SLA = health.SLA{
		P99Latency:          rc.Health.P99Latency.D(),
		ErrorRate:           float64(rc.Health.ErrorRate),
		ConsecutiveFailures: rc.Health.ConsecutiveFailures,
		MinRequests:         rc.Health.MinRequests,
	}
	r.MaxStep = float64(rc.Health.MaxStep)
	r.Drill = float64(rc.Drill)
	r.ContinueOnCut = rc.ContinueOnCut
	if fixed, pct, err := rc.Hedge.Delay(); err != nil {
		return nil, fmt.Errorf("routes.%s.hedge.after: %w", name, err)
	} else if fixed > 0 || pct > 0 {
		r.Hedge = &Hedge{After: fixed, Percentile: pct, MinAfter: rc.Hedge.MinAfter.D(), MaxExtra: float64(rc.Hedge.MaxExtra)}
		// Start with one hedge's worth, so the first slow request may hedge.
		r.Hedge.tokens.Store(1000)
	}
	if len(r.Chain(nil)) == 0 {
		return nil, errors.New("routes." + name + ": no target has a weight above 0 and there are no fallbacks")
	}
	return r, nil
}

func breakerConfig(c config.Breaker) breaker.Config {
	return breaker.Config{
		ConsecutiveFailures: c.ConsecutiveFailures,
		ErrorRate:           float64(c.ErrorRate),
		Window:              c.Window.D(),
		MinRequests:         c.MinRequests,
		Cooldown:            c.Cooldown.D(),
		MaxCooldown:         c.MaxCooldown.D(),
		HalfOpenRequests:    max(c.HalfOpenRequests, 1),
	}
}

// Route returns the route a client named, or nil.
func (rt *Router) Route(name string) *Route { return rt.routes[name] }

// Names returns the route names, sorted.
func (rt *Router) Names() []string { return rt.names }

// Targets returns every target by name.
func (rt *Router) Targets() map[string]*Target { return rt.targets }

// Close releases the providers' idle connections. In-flight requests keep
// the connections they hold.
func (rt *Router) Close() {
	for _, p := range rt.providers {
		p.Close()
	}
}
