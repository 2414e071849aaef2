package gateway

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/mock"
	"github.com/backstophq/backstop/internal/route"
)

// These benchmarks measure what the gateway adds to a non-streamed call:
// the same request, on loopback, straight to a simulated provider and
// through the gateway in front of it. Each reports the median and p99 of
// its calls besides the mean (ns/op); the difference between the two
// benchmarks' medians is the gateway's added latency.
//
//	go test -run '^$' -bench 'Chat(Direct|ThroughGateway)$' -benchtime 20000x ./internal/gateway/

func BenchmarkChatDirect(b *testing.B) {
	p := benchProvider(b)
	benchCalls(b, p.URL()+"/chat/completions", `{"model":"sim","messages":[{"role":"user","content":"hi"}]}`)
}

func BenchmarkChatThroughGateway(b *testing.B) {
	p := benchProvider(b)
	cfg, err := config.Parse([]byte(`
providers: {sim: {type: openai, base_url: `+p.URL()+`}}
targets: {t: {provider: sim, model: sim}}
routes: {r: {targets: [t]}}
`), nil)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := route.Build(cfg, route.Options{UserAgent: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	// Request logging on, as in production, to a discarding handler.
	gw := New(rt, Options{Metrics: metrics.New(), LogRequests: true, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	srv := httptest.NewServer(gw)
	defer srv.Close()
	benchCalls(b, srv.URL+"/v1/chat/completions", `{"model":"r","messages":[{"role":"user","content":"hi"}]}`)
}

func benchProvider(b *testing.B) *mock.Provider {
	sim := mock.New(mock.Options{Seed: 1})
	b.Cleanup(func() { _ = sim.Close() })
	p, err := sim.Start("sim", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func benchCalls(b *testing.B, url, body string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	call := func() time.Duration {
		start := time.Now()
		resp, err := client.Post(url, "application/json", bytes.NewReader([]byte(body)))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		return time.Since(start)
	}
	for i := 0; i < 50; i++ { // warm the connections
		call()
	}
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		took = append(took, call())
	}
	b.StopTimer()
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
}
