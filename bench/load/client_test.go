package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/mock"
)

func TestClassifyLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		want chunkKind
	}{
		{`data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null}}]}` + "\n", otherChunk},
		{`data: {"choices":[{"index":0,"delta":{"content":" sable"}}]}` + "\n", contentChunk},
		{`data: {"choices":[{"index":0,"delta":{"content":"\"quoted\""}}]}` + "\r\n", contentChunk},
		{`data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n", otherChunk},
		{"data: [DONE]\n", doneChunk},
		{"data: [DONE]\r\n", doneChunk},
		{`data: {"error":{"message":"x","code":"stream_interrupted"}}` + "\n", errorChunk},
		{": keep-alive\n", otherChunk},
		{"\n", otherChunk},
		{`data: {"content":"`, otherChunk}, // cut right after the marker
	} {
		if got := classifyLine([]byte(tc.line)); got != tc.want {
			t.Errorf("classifyLine(%q) = %d, want %d", tc.line, got, tc.want)
		}
	}
}

func TestChatBody(t *testing.T) {
	if got := string(ChatBody(`a"b`, true)); got != `{"model":"a\"b","messages":[{"role":"user","content":"Write one short sentence about the sea."}],"stream":true}` {
		t.Fatalf("ChatBody = %s", got)
	}
}

func TestEndpointBodyPerDialect(t *testing.T) {
	if got := string((Endpoint{Model: "m"}).Body(false)); got != string(ChatBody("m", false)) {
		t.Fatalf("OpenAI body %s", got)
	}
	got := string((Endpoint{Model: "claude", Anthropic: true}).Body(false))
	if got != `{"model":"claude","max_tokens":256,"messages":[{"role":"user","content":"Write one short sentence about the sea."}]}` {
		t.Fatalf("Anthropic body %s", got)
	}
}

func startSim(t *testing.T, opts ...mock.ProviderOption) *mock.Provider {
	t.Helper()
	sim := mock.New(mock.Options{Seed: 1})
	t.Cleanup(func() { _ = sim.Close() })
	p, err := sim.Start("sim", "127.0.0.1:0", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClientMeasuresAnswersAndStreams(t *testing.T) {
	p := startSim(t, mock.WithTokens(12))
	c := NewClient(4)
	defer c.Close()
	ep := Endpoint{Name: "direct", URL: p.URL() + "/chat/completions", Model: "gpt-4o"}
	ctx := context.Background()

	due := time.Now().Add(-time.Millisecond) // a request sent 1 ms late
	s := c.Chat(ctx, ep, ChatBody(ep.Model, false), due)
	if s.Err != "" || s.Latency < time.Millisecond || !s.Due.Equal(due) {
		t.Fatalf("chat sample %+v: want success measured from due", s)
	}

	s, gaps := c.Stream(ctx, ep, ChatBody(ep.Model, true), time.Now())
	if s.Err != "" || s.TTFT <= 0 || s.TTFT > s.Latency {
		t.Fatalf("stream sample %+v", s)
	}
	// 12 tokens, the "[sim]" prefix being the first: 12 content chunks,
	// 11 gaps.
	if len(gaps) != 11 {
		t.Fatalf("%d gaps, want 11", len(gaps))
	}

	if err := p.SetFault(mock.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	if s := c.Chat(ctx, ep, ChatBody(ep.Model, false), time.Now()); s.Err != "status 503" {
		t.Fatalf("503 answer classified %q", s.Err)
	}
	if err := p.SetFault(mock.Fault{CutAfterChunks: 3}); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Stream(ctx, ep, ChatBody(ep.Model, true), time.Now()); s.Err != "cut" {
		t.Fatalf("cut stream classified %q", s.Err)
	}
	if err := p.SetFault(mock.Fault{Down: true}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if s := c.Chat(ctx, ep, ChatBody(ep.Model, false), time.Now()); s.Err != "connect refused" {
		t.Fatalf("refused connection classified %q", s.Err)
	}
}

func TestClientCountsExhaustionAsFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Backstop-Exhausted", "true")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := NewClient(1)
	defer c.Close()
	if s := c.Chat(context.Background(), Endpoint{URL: srv.URL}, ChatBody("m", false), time.Now()); s.Err != "exhausted" {
		t.Fatalf("polite exhaustion classified %q", s.Err)
	}
}

func TestHoldKeepsStreamOpenUntilCanceled(t *testing.T) {
	p := startSim(t, mock.WithTokens(100), mock.WithFault(mock.Fault{TokensPerSecond: 20}))
	c := NewClient(0)
	defer c.Close()
	ep := Endpoint{URL: p.URL() + "/chat/completions", Model: "gpt-4o"}
	ctx, cancel := context.WithCancel(context.Background())
	committed := make(chan struct{})
	errc := make(chan error, 1)
	go func() { errc <- c.Hold(ctx, ep, ChatBody(ep.Model, true), func() { close(committed) }) }()
	select {
	case <-committed:
	case err := <-errc:
		t.Fatalf("stream ended before its first content chunk: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("no first content chunk in 5s")
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("Hold after cancel = %v, want nil", err)
	}
}
