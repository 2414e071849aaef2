// Package mock runs simulated providers with fault injection, for the
// gateway's end-to-end tests, `backstop mock`, `backstop demo` and the
// benchmark harness.
//
// A Simulator owns providers; each provider listens on its own address and
// speaks the OpenAI dialect (chat completions, streamed or not, models,
// embeddings; also under Azure OpenAI's /openai/deployments/{deployment}/
// paths, with api-version and api-key required), on /v1/messages the
// Anthropic Messages dialect and, on /v1beta/models/{model}:generateContent,
// Google's Gemini dialect, faithfully enough that the official openai-go,
// anthropic-sdk-go and google.golang.org/genai SDKs accept every normal
// answer and report every error answer as an error.
// Answers are deterministic: the same seed, provider name and conversation
// give the same text, in either dialect. Faults (see Fault) are set per provider from Go, from a
// scenario file's timeline (see Scenario and Simulator.Play) or over the
// control API (see Simulator.ControlHandler).
package mock

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Options configure a Simulator. The zero value is usable.
type Options struct {
	// Seed makes answers and fault draws reproducible. Default 0.
	Seed uint64

	// Tokens is the answer length, in tokens, of providers that do not set
	// their own with WithTokens. Default 20.
	Tokens int

	// Recent is how many requests each provider keeps, with headers and
	// body, for Stats. Default 256.
	Recent int

	// MaxBodyBytes caps a request body; a larger one is answered 413.
	// Default 32 MiB.
	MaxBodyBytes int64

	// Clock times every wait the providers make (latency, TTFT, pacing),
	// stamps answers and recorded requests, and is Play's clock when it is
	// given none. Default: the system clock.
	Clock Clock

	// OnStep, if set, is called by Play after it applies each timeline
	// step, with the error applying it, if any. It runs on Play's goroutine.
	OnStep func(step Step, err error)
}

// Clock is the time source of a Simulator. Tests inject a fake to step
// through latency, pacing and timelines without sleeping.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has elapsed.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// After is time.After.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Simulator owns a set of simulated providers. Its methods are safe for
// concurrent use.
type Simulator struct {
	opts Options

	mu        sync.Mutex // guards the fields below
	providers []*Provider
	byName    map[string]*Provider
	closed    bool
}

// New returns a Simulator with no providers; Start adds them.
func New(opts Options) *Simulator {
	if opts.Tokens <= 0 {
		opts.Tokens = 20
	}
	if opts.Recent <= 0 {
		opts.Recent = 256
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 32 << 20
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	return &Simulator{opts: opts, byName: map[string]*Provider{}}
}

// Seed is the simulator's seed.
func (s *Simulator) Seed() uint64 { return s.opts.Seed }

// ErrClosed is returned by Start after Close.
var ErrClosed = errors.New("mock: simulator is closed")

// Start starts a provider called name, listening on addr ("127.0.0.1:0"
// picks a free port), and returns it once it accepts connections. Names are
// unique within a simulator.
func (s *Simulator) Start(name, addr string, opts ...ProviderOption) (*Provider, error) {
	if name == "" {
		return nil, errors.New("mock: provider name is empty")
	}
	cfg := providerConfig{tokens: s.opts.Tokens, namePrefix: true, models: defaultModels}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.tokens <= 0 {
		return nil, fmt.Errorf("mock: provider %q: tokens = %d; must be >= 1", name, cfg.tokens)
	}
	if err := cfg.fault.Validate(); err != nil {
		return nil, fmt.Errorf("mock: provider %q: fault: %w", name, err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if _, dup := s.byName[name]; dup {
		return nil, fmt.Errorf("mock: provider %q already started", name)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mock: provider %q: %w", name, err)
	}
	p := newProvider(s, name, cfg, ln)
	if err := p.SetFault(cfg.fault); err != nil {
		p.close()
		return nil, err
	}
	s.providers = append(s.providers, p)
	s.byName[name] = p
	return p, nil
}

// Provider returns the provider called name, or nil.
func (s *Simulator) Provider(name string) *Provider {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byName[name]
}

// Providers returns the providers in the order they were started.
func (s *Simulator) Providers() []*Provider {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Provider(nil), s.providers...)
}

// Close stops every provider: listeners and connections are closed, hangs
// end, and Close returns once every request handler has returned. It is
// safe to call more than once.
func (s *Simulator) Close() error {
	s.mu.Lock()
	ps := s.providers
	s.closed = true
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(p.close)
	}
	wg.Wait()
	return nil
}
