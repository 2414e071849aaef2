package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/fleet"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/probe"
	"github.com/backstophq/backstop/internal/route"
)

// Process is a gateway serving a config on a listener: what `backstop
// serve` runs, and what `backstop demo` runs in-process.
type Process struct {
	Server *Server
	srv    *http.Server
	ctx    context.Context
	stop   context.CancelFunc // ends the routing table loop and the probes
	ln     net.Listener
	errc   chan error
	ua     string
	logger *slog.Logger

	mu     sync.Mutex // serialises reloads; guards the fields below
	cfg    *config.Config
	router *route.Router
	prober *probe.Prober
	probes atomic.Pointer[probe.Prober] // the prober in force, for metrics

	follower *fleet.Follower // nil without a shared table
	rdb      *redis.Client   // nil without Redis
}

// Start builds the config's router and serves it on cfg.Listen.
// userAgent is sent to providers.
func Start(cfg *config.Config, logger *slog.Logger, userAgent string) (*Process, error) {
	router, err := route.Build(cfg, route.Options{UserAgent: userAgent})
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	gw := New(router, Options{
		Metrics:      m,
		Logger:       logger,
		LogRequests:  cfg.Log.Requests,
		MaxBodyBytes: int64(cfg.MaxBodyBytes),
	})
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		router.Close()
		return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	prober := probe.New(probe.FromConfig(cfg, router.Targets()), probe.Options{OnResult: recoverOnProbe(router)})
	p := &Process{
		Server: gw,
		router: router,
		prober: prober,
		cfg:    cfg,
		ua:     userAgent,
		logger: logger,
		ln:     ln,
		errc:   make(chan error, 1),
		srv: &http.Server{
			Handler:           gw,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		},
	}
	p.probes.Store(prober)
	m.Registry.MustRegister(newProbeCollector(currentProbes{p}))
	p.ctx, p.stop = context.WithCancel(context.Background())
	if err := p.startFleet(m); err != nil {
		p.stop()
		ln.Close()
		router.Close()
		return nil, err
	}
	go gw.RunTable(p.ctx, cfg.HealthInterval.D())
	prober.Start(p.ctx)
	go func() {
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.errc <- err
		}
	}()
	return p, nil
}

// Addr is the address the gateway listens on.
func (p *Process) Addr() string { return p.ln.Addr().String() }

// Err receives the error that stopped the server, if it stops on its own.
func (p *Process) Err() <-chan error { return p.errc }

// Shutdown stops accepting, lets requests in flight finish for up to
// grace, then closes what is left.
func (p *Process) Shutdown(grace time.Duration) error {
	p.Server.Drain()
	defer p.stop()
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := p.srv.Shutdown(ctx)
	if err != nil {
		_ = p.srv.Close()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prober.Stop()
	p.router.Close()
	p.router = nil
	p.stop() // the fleet's goroutines end before their client closes
	p.closeFleet()
	return err
}

// recoverOnProbe closes the breakers of a target whose active probe
// passed: a target that answers again gets traffic back without waiting
// out a cooldown that grew while it was down (Envoy un-ejects a host on a
// passing health check the same way). Its live weight still ramps up
// gradually from its health.
func recoverOnProbe(router *route.Router) func(probe.Result) {
	return func(r probe.Result) {
		if r.Skipped || r.Stopped || !r.Outcome.Success {
			return
		}
		if t := router.Targets()[r.Target]; t != nil {
			for _, b := range t.Breakers {
				b.Recover()
			}
		}
	}
}
