package gateway

import (
	"context"
	"time"

	"github.com/backstophq/backstop/internal/clock"

	"github.com/backstophq/backstop/internal/route"
)

// RunTable recomputes the routing table of the router in force every
// interval until ctx ends: scores and live weights move off the request
// path, and requests read the result with one atomic load.
func (s *Server) RunTable(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = time.Second
	}
	update := func() { s.state.Load().router.UpdateTable(s.clock.Now()) }
	update()
	clock.Every(ctx, s.clock, interval, update)
}

// Table returns the routing table in force (nil before the first update).
func (s *Server) Table() *route.Table { return s.state.Load().router.Table() }
