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

// TestProbesOfEmbeddingsModels: an embeddings model, which serves no
// chat, is probed with the embedding of one word in its own API (Titan,
// Cohere, Gemini's batchEmbedContents), not streamed; a 503 fails the
// probe.
func TestProbesOfEmbeddingsModels(t *testing.T) {
	sim := mock.New(mock.Options{Seed: 1})
	t.Cleanup(func() { _ = sim.Close() })
	sp, err := sim.Start("up", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	br, err := provider.NewBedrock("br", &config.Provider{Type: "bedrock", BaseURL: sp.BedrockURL(), Region: "eu-west-3",
		AccessKeyID: "test-access-key", SecretAccessKey: "test-secret-key", MaxIdleConns: 4}, "backstop-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(br.Close)
	g, err := provider.NewGemini("g", &config.Provider{Type: "gemini", BaseURL: sp.GeminiURL(), APIKey: "test-key", MaxIdleConns: 4}, "backstop-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	clk := newRecClock()
	var targets []Target
	for _, m := range []struct {
		p     provider.Provider
		model string
	}{{br, "amazon.titan-embed-text-v2:0"}, {br, "cohere.embed-english-v3"}, {g, "gemini-embedding-001"}} {
		targets = append(targets, Target{Target: &route.Target{Name: m.model, Provider: m.p, Model: m.model, Dialect: provider.DialectOf(m.p, m.model),
			Caps: route.Capabilities{Embeddings: true, EmbeddingsOnly: true}, Health: health.NewWindow(clk, 30*time.Second, 30)},
			Schedule: Schedule{Interval: 5 * time.Second, Timeout: 5 * time.Second}})
	}
	results := make(chan Result, 8)
	pr := New(targets, Options{Clock: clk, Random: func() float64 { return 0.5 }, OnResult: func(r Result) { results <- r }})
	pr.Start(t.Context())
	t.Cleanup(pr.Stop)
	clk.Advance(5 * time.Second)
	for range targets {
		if r := recv(t, results, "probe"); r.Err != nil || !r.Outcome.Success {
			t.Fatalf("probe of a healthy embeddings model: %+v", r)
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
	for _, want := range []string{"/model/amazon.titan-embed-text-v2:0/invoke", "/model/cohere.embed-english-v3/invoke",
		"/v1beta/models/gemini-embedding-001:batchEmbedContents"} {
		if !paths[want] {
			t.Errorf("no good probe at %s; saw %v", want, paths)
		}
	}

	if err := sp.SetFault(mock.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Second)
	for range targets {
		if r := recv(t, results, "probe"); r.Err == nil || r.Err.Kind != failure.Status || r.Err.Status != 503 {
			t.Fatalf("probe of an overloaded embeddings model: %+v, want a 503", r)
		}
	}
}
