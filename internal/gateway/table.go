package gateway

import (
	"context"
	"time"
)

// RunTable recomputes the routing table of the router in force every
// interval until ctx ends: scores and live weights move off the request
// path, and requests read the result with one atomic load.
func (s *Server) RunTable(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = time.Second
	}
	s.state.Load().router.UpdateTable(s.clock.Now())
	t := s.clock.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		s.state.Load().router.UpdateTable(s.clock.Now())
		t.Reset(interval)
	}
}
