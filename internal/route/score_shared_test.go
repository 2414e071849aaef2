package route

import (
	"strings"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/health"
)

// The checker's scores follow the route's SLA and steps; the fleet's
// outcomes trip the route's breaker for every replica at once.
func TestScoreShared(t *testing.T) {
	rt, _ := tableRouter(t) // weighted 70/30, p99 SLA 1s, min 5, step 20%, breakers off
	slow := health.Stats{Requests: 10, Latency: health.Percentiles{P99: 1500 * time.Millisecond, Count: 10}}
	s := rt.ScoreShared(map[string]health.Stats{"a": slow}, nil)
	a, b := s["r"]["a"], s["r"]["b"]
	if a.Weight != 70 || a.Score != 0.5 || a.Down || !strings.Contains(a.Reason, "p99 1.5s > 1s") {
		t.Errorf("first table: a = %+v", a)
	}
	if b.Weight != 30 || b.Score != 1 {
		t.Errorf("b with no stats = %+v", b)
	}
	s = rt.ScoreShared(map[string]health.Stats{"a": slow}, s)
	if w := s["r"]["a"].Weight; w != 56 { // 70 − 20% of 70, toward 35
		t.Errorf("second table: a's weight = %v, want 56", w)
	}

	ordered := orderedRouter(t) // default breaker: 5 in a row, 50% of 10
	s = ordered.ScoreShared(map[string]health.Stats{"a": {Requests: 6, Failures: 6, ErrorRate: 1, Consecutive: 6}}, nil)
	if a := s["o"]["a"]; !a.Down || a.Score != 0 || !strings.Contains(a.Reason, "6 failures in a row across the fleet") {
		t.Errorf("a after 6 fleet failures = %+v", a)
	}
	s = ordered.ScoreShared(map[string]health.Stats{"a": {Requests: 20, Failures: 10, ErrorRate: 0.5}}, nil)
	if a := s["o"]["a"]; !a.Down || !strings.Contains(a.Reason, "errors 50% >= 50%") {
		t.Errorf("a at the breaker's error rate = %+v", a)
	}
}
