package gateway

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/backstophq/backstop/internal/fleet"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/route"
)

func readyz(t *testing.T, s *Server) (int, readiness) {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var body readiness
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("/readyz body %q: %v", w.Body.String(), err)
	}
	return w.Code, body
}

// /readyz says where live weights come from; a stale shared table does
// not fail readiness, draining does.
func TestReadyzTableDetail(t *testing.T) {
	s, fake := newGateway(t, "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1", "")
	if code, body := readyz(t, s); code != 200 || body.Status != "ready" || body.Table.Source != "local" || body.Table.Version != 0 {
		t.Fatalf("single binary: %d %+v", code, body)
	}
	f := fleet.NewFollower(func() *route.Router { return s.state.Load().router }, 5*time.Second, fake, slog.New(slog.DiscardHandler), metrics.NewFleet(prometheus.NewRegistry()))
	s.follower.Store(f)
	raw, err := fleet.Encode(&fleet.Table{Version: 7, Routes: map[string]map[string]fleet.Entry{"r": {"ta": {Down: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	f.Offer(raw, "test")
	fake.Advance(2 * time.Second)
	code, body := readyz(t, s)
	if code != 200 || body.Table.Source != "shared" || body.Table.Version != 7 || body.Table.AgeSeconds == nil || *body.Table.AgeSeconds != 2 {
		t.Fatalf("shared: %d %+v", code, body)
	}
	fake.Advance(3 * time.Second)
	f.Check()
	if code, body := readyz(t, s); code != 200 || body.Table.Source != "local" || !body.Table.Stale {
		t.Fatalf("stale: %d %+v", code, body)
	}
	s.Drain()
	if code, body := readyz(t, s); code != http.StatusServiceUnavailable || body.Status != "draining" {
		t.Fatalf("draining: %d %+v", code, body)
	}
}
