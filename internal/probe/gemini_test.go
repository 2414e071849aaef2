package probe

import (
	"context"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/mock"
	"github.com/backstophq/backstop/internal/provider"
	"github.com/backstophq/backstop/internal/route"
)

// TestProbesOfAGeminiTarget: a Gemini target is probed in its own
// dialect (the model and streaming in the URL, one output token), and an
// error chunk in place of the first one fails the probe with its status.
func TestProbesOfAGeminiTarget(t *testing.T) {
	sim := mock.New(mock.Options{Seed: 1})
	t.Cleanup(func() { _ = sim.Close() })
	sp, err := sim.Start("g", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p, err := provider.NewGemini("g", &config.Provider{Type: "gemini", BaseURL: sp.GeminiURL(), APIKey: "test-key", MaxIdleConns: 4}, "backstop-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	clk := newRecClock()
	target := &route.Target{Name: "g", Provider: p, Model: "gemini-2.5-flash", Health: health.NewWindow(clk, 30*time.Second, 30)}
	results := make(chan Result, 8)
	pr := New([]Target{{Target: target, Schedule: Schedule{Interval: 5 * time.Second, Timeout: 5 * time.Second}}},
		Options{Clock: clk, Random: func() float64 { return 0.5 }, OnResult: func(r Result) { results <- r }})
	pr.Start(t.Context())
	t.Cleanup(pr.Stop)

	clk.Advance(5 * time.Second)
	if r := recv(t, results, "first probe"); r.Err != nil || !r.Outcome.Success {
		t.Fatalf("probe of a healthy Gemini provider: %+v", r)
	}
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	defer cancel()
	if err := sp.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	rec := sp.Stats().Recent[0]
	if rec.Path != "/v1beta/models/gemini-2.5-flash:streamGenerateContent" || rec.Status != 200 || rec.Header.Get("X-Goog-Api-Key") != "test-key" {
		t.Fatalf("the provider saw %s %s (status %d)", rec.Method, rec.Path, rec.Status)
	}

	if err := sp.SetFault(mock.Fault{OverloadedAfterChunks: mock.AfterRoleChunk}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Second)
	if r := recv(t, results, "second probe"); r.Err == nil || r.Err.Kind != failure.Status || r.Err.Status != 503 {
		t.Fatalf("probe of an overloaded Gemini provider: %+v, want a 503", r)
	}
}
