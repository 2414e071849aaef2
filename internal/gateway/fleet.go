package gateway

import (
	"encoding/json"
	"net/http"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/fleet"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/route"
)

// startFleet joins the fleet the config describes: it follows the shared
// routing table (Redis pub/sub or a watched file) and pushes this
// gateway's health for the checker. With no fleet block it does nothing.
// Everything runs on goroutines of its own until p.ctx ends; a Redis that
// is down delays none of it and stops no request.
func (p *Process) startFleet(m *metrics.Metrics) error {
	f := &p.cfg.Fleet
	subscribe := f.Table.Subscribe
	if subscribe == "" {
		subscribe = config.SubscribeNone
	}
	needRedis := subscribe == config.SubscribeRedis || f.PushesAggregates()
	if subscribe == config.SubscribeNone && !needRedis {
		return nil
	}
	keys := fleet.NewKeys(f.Redis.KeyPrefix)
	if needRedis {
		rdb, err := fleet.NewRedis(f)
		if err != nil {
			return err
		}
		p.rdb = rdb
	}
	clk := clock.Real{}
	if subscribe != config.SubscribeNone {
		fol := fleet.NewFollower(p.currentRouter, f.Table.StaleAfter.D(), clk, p.logger, metrics.NewFleet(m.Registry))
		p.follower = fol
		p.Server.follower.Store(fol)
		go fol.Run(p.ctx)
		switch subscribe {
		case config.SubscribeRedis:
			go fleet.NewRedisSubscriber(p.rdb, keys, clk, p.logger, fol.Offer).Run(p.ctx)
		case config.SubscribeFile:
			sub := fleet.NewFileSubscriber(f.Table.Path, p.logger, fol.Offer)
			go sub.Run(p.ctx)
		}
	}
	if f.PushesAggregates() {
		go fleet.NewPusher(p.rdb, keys, fleet.NewReplicaID(), f.Aggregates.Interval.D(), clk, p.logger, p.sketches).Run(p.ctx)
	}
	redisURL := ""
	if p.rdb != nil {
		redisURL = config.RedactURL(f.Redis.URL.Value())
	}
	p.logger.Info("fleet joined", "subscribe", subscribe, "redis", redisURL, "push_aggregates", f.PushesAggregates(), "stale_after", f.Table.StaleAfter.String())
	return nil
}

// currentRouter is the router in force.
func (p *Process) currentRouter() *route.Router { return p.Server.state.Load().router }

// sketches is the health of every target of the router in force.
func (p *Process) sketches() map[string]health.Sketch {
	targets := p.currentRouter().Targets()
	out := make(map[string]health.Sketch, len(targets))
	for name, t := range targets {
		out[name] = t.Health.Sketch()
	}
	return out
}

// closeFleet closes the Redis client once the fleet's goroutines are
// told to stop.
func (p *Process) closeFleet() {
	if p.rdb != nil {
		_ = p.rdb.Close()
	}
}

// readiness is the body of /readyz.
type readiness struct {
	Status string `json:"status"`
	// Table says where live weights come from. A stale shared table
	// does not fail readiness: the gateway serves on local health.
	Table fleet.Status `json:"table"`
}

func (s *Server) readyz(w http.ResponseWriter) {
	body := readiness{Status: "ready", Table: fleet.Status{Source: metrics.SourceLocal}}
	if f := s.follower.Load(); f != nil {
		body.Table = f.Status()
	}
	code := http.StatusOK
	if s.draining.Load() {
		body.Status, code = "draining", http.StatusServiceUnavailable
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}
