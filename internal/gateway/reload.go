package gateway

import (
	"fmt"
	"reflect"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/probe"
	"github.com/backstophq/backstop/internal/route"
)

// ReloadFile reads and checks the config file at path and, when it is
// valid, swaps in a router built from it: requests in flight finish on
// the router they started with, new ones take the new one, and targets
// and breakers that did not change keep their health (route.Adopt). A
// file that does not load is refused: the old config keeps serving, and
// the error is returned, logged and counted.
func (p *Process) ReloadFile(path string) error {
	cfg, err := config.Load(path)
	if err == nil {
		err = p.Reload(cfg)
	}
	result := "ok"
	if err != nil {
		result = "error"
		p.logger.Error("config reload refused; the previous config keeps serving", "path", path, "err", err.Error())
	} else {
		p.logger.Info("config reloaded", "path", path, "routes", len(cfg.Routes))
	}
	p.Server.opts.Metrics.ConfigReloads.WithLabelValues(result).Inc()
	return err
}

// Reload swaps in a router built from cfg. Settings that only a restart
// can change (listen, max_body_bytes, log, health_interval, fleet) are kept and
// logged.
func (p *Process) Reload(cfg *config.Config) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.router == nil {
		return fmt.Errorf("gateway: reload after shutdown")
	}
	router, err := route.Build(cfg, route.Options{UserAgent: p.ua})
	if err != nil {
		return err
	}
	router.Adopt(p.router)
	p.warnRestartOnly(cfg)
	old := p.Server.SetRouter(router)
	if p.follower != nil {
		p.follower.Reapply()
	}
	prober := probe.New(probe.FromConfig(cfg, router.Targets()), probe.Options{OnResult: recoverOnProbe(router)})
	prober.Start(p.ctx)
	p.probes.Store(prober)
	p.prober.Stop()
	p.prober, p.router, p.cfg = prober, router, cfg
	// Idle connections only: requests still running on the old router
	// keep theirs.
	old.Close()
	return nil
}

func (p *Process) warnRestartOnly(cfg *config.Config) {
	old := p.cfg
	for _, s := range []struct {
		key     string
		changed bool
	}{
		{"listen", cfg.Listen != old.Listen},
		{"max_body_bytes", cfg.MaxBodyBytes != old.MaxBodyBytes},
		{"log", cfg.Log != old.Log},
		{"health_interval", cfg.HealthInterval != old.HealthInterval},
		{"fleet", !reflect.DeepEqual(cfg.Fleet, old.Fleet)},
	} {
		if s.changed {
			p.logger.Warn("config key changed; it takes effect on restart", "key", s.key)
		}
	}
}

// currentProbes is the prober in force, for the metrics collector, which
// is registered once while probers come and go with reloads.
type currentProbes struct{ p *Process }

func (c currentProbes) Counts() map[string]probe.Counts { return c.p.probes.Load().Counts() }
