package probe

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/mock"
	"github.com/backstophq/backstop/internal/provider"
	"github.com/backstophq/backstop/internal/route"
)

// End to end with a simulated provider: probes arrive marked and asking
// for one token, a healthy provider passes them and a failing one fails
// them, in the target's health window.
func TestProbesReachASimulatedProvider(t *testing.T) {
	sim := mock.New(mock.Options{Seed: 1})
	t.Cleanup(func() { _ = sim.Close() })
	sp, err := sim.Start("a", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p, err := provider.NewOpenAI("a", &config.Provider{Type: "openai", BaseURL: sp.URL(), MaxIdleConns: 4}, "backstop-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	clk := newRecClock()
	target := &route.Target{Name: "a", Provider: p, Model: "gpt-4o-mini", Health: health.NewWindow(clk, 30*time.Second, 30)}
	results := make(chan Result, 8)
	pr := New([]Target{{Target: target, Schedule: Schedule{Interval: 5 * time.Second, Timeout: 5 * time.Second}}},
		Options{Clock: clk, Random: func() float64 { return 0.5 }, OnResult: func(r Result) { results <- r }})
	pr.Start(t.Context())
	t.Cleanup(pr.Stop)

	clk.Advance(5 * time.Second)
	if r := recv(t, results, "first probe"); r.Err != nil || !r.Outcome.Success {
		t.Fatalf("probe of a healthy provider: %+v", r)
	}
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	defer cancel()
	if err := sp.WaitIdle(ctx); err != nil { // its status is recorded once its handler returns
		t.Fatal(err)
	}
	st := sp.Stats()
	if len(st.Recent) != 1 {
		t.Fatalf("the provider saw %d requests, want 1", len(st.Recent))
	}
	rec := st.Recent[0]
	var body struct {
		MaxTokens int  `json:"max_tokens"`
		Stream    bool `json:"stream"`
	}
	if err := json.Unmarshal(rec.Body, &body); err != nil || rec.Header.Get(Header) != "1" ||
		rec.Model != "gpt-4o-mini" || body.MaxTokens != 1 || !body.Stream || rec.Status != 200 {
		t.Errorf("the provider saw %s %s (status %d, %s: %q, body %s), want a streamed one-token probe of gpt-4o-mini",
			rec.Method, rec.Path, rec.Status, Header, rec.Header.Get(Header), rec.Body)
	}

	if err := sp.SetFault(mock.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Second)
	if r := recv(t, results, "second probe"); r.Err == nil || r.Err.Kind != failure.Status || r.Err.Status != 503 {
		t.Fatalf("probe of a failing provider: %+v, want a 503", r)
	}
	if h := target.Health.Snapshot(); h.Requests != 2 || h.Failures != 1 || h.Consecutive != 1 {
		t.Errorf("health = %+v, want 2 requests, 1 failure", h)
	}
}

// TestProbesReachSimulatedBedrock probes an Anthropic model on Bedrock
// (InvokeModelWithResponseStream, the Anthropic probe body rewritten by
// the adapter) and another model (ConverseStream, a Converse probe body).
func TestProbesReachSimulatedBedrock(t *testing.T) {
	sim := mock.New(mock.Options{Seed: 1})
	t.Cleanup(func() { _ = sim.Close() })
	sp, err := sim.Start("br", "127.0.0.1:0", mock.WithBedrockRegion("eu-west-3"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := provider.NewBedrock("br", &config.Provider{Type: "bedrock", BaseURL: sp.BedrockURL(), Region: "eu-west-3",
		AccessKeyID: "test-access-key", SecretAccessKey: "test-secret-key", MaxIdleConns: 4}, "backstop-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	clk := newRecClock()
	var targets []Target
	for _, model := range []string{"eu.anthropic.claude-haiku-4-5-20251001-v1:0", "mistral.mistral-large-2407-v1:0"} {
		targets = append(targets, Target{Target: &route.Target{Name: model, Provider: p, Model: model, Dialect: provider.DialectOf(p, model),
			Health: health.NewWindow(clk, 30*time.Second, 30)}, Schedule: Schedule{Interval: 5 * time.Second, Timeout: 5 * time.Second}})
	}
	results := make(chan Result, 8)
	pr := New(targets, Options{Clock: clk, Random: func() float64 { return 0.5 }, OnResult: func(r Result) { results <- r }})
	pr.Start(t.Context())
	t.Cleanup(pr.Stop)
	clk.Advance(5 * time.Second)
	for range targets {
		if r := recv(t, results, "probe"); r.Err != nil || !r.Outcome.Success {
			t.Fatalf("probe of a healthy Bedrock: %+v", r)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	defer cancel()
	if err := sp.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, rec := range sp.Stats().Recent {
		paths[rec.Path] = rec.Status == 200 && rec.Header.Get(Header) == "1"
	}
	for _, want := range []string{"/model/eu.anthropic.claude-haiku-4-5-20251001-v1:0/invoke-with-response-stream", "/model/mistral.mistral-large-2407-v1:0/converse-stream"} {
		if !paths[want] {
			t.Errorf("no good probe at %s; saw %v", want, paths)
		}
	}
}
