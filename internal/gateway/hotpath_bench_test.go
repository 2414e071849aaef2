package gateway

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/metrics"
	"github.com/backstophq/backstop/internal/route"
)

// These benchmarks run a whole request through the gateway in-process:
// ServeHTTP on a discarding response writer, one attempt over loopback HTTP to a fake
// upstream that answers fixed bytes. Each has a twin that makes only the
// upstream call, with a plain http.Client; the gateway's own cost per
// request is the difference between the two (the upstream server's work
// is in both).
//
//	go test -run '^$' -bench 'Hot' -benchmem ./internal/gateway/

const hotAnswer = `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"The sea is wide and grey.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16}}`

// hotStream is a 50-chunk OpenAI stream.
func hotStream() []byte {
	var b bytes.Buffer
	head := `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":`
	b.WriteString(head + `{"role":"assistant","content":""},"finish_reason":null}]}` + "\n\n")
	for i := range 50 {
		b.WriteString(head + `{"content":" w` + strconv.Itoa(i) + `"},"finish_reason":null}]}` + "\n\n")
	}
	b.WriteString(head + `{},"finish_reason":"stop"}]}` + "\n\n" + "data: [DONE]\n\n")
	return b.Bytes()
}

// hotUpstream answers every request with fixed bytes; a streamed request
// gets its events one write and flush each, as a provider sends them.
func hotUpstream(b *testing.B) *httptest.Server {
	stream := hotStream()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !bytes.Contains(body, []byte(`"stream":true`)) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, hotAnswer)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		f := w.(http.Flusher)
		for ev := range bytes.SplitAfterSeq(stream, []byte("\n\n")) {
			_, _ = w.Write(ev)
			f.Flush()
		}
	}))
	b.Cleanup(srv.Close)
	return srv
}

func hotGateway(b *testing.B, upstream string) *Server {
	cfg, err := config.Parse([]byte(`
providers: {up: {type: openai, base_url: `+upstream+`}}
targets: {t: {provider: up, model: gpt-4o}}
routes: {r: {targets: [t]}}
`), nil)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := route.Build(cfg, route.Options{UserAgent: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(rt.Close)
	// Request logging on, as shipped, to a discarding JSON handler.
	return New(rt, Options{Metrics: metrics.New(), LogRequests: true, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
}

func hotBody(stream bool) []byte {
	s := ""
	if stream {
		s = `,"stream":true`
	}
	return []byte(`{"model":"r","messages":[{"role":"user","content":"Write one short sentence about the sea."}]` + s + `}`)
}

func benchHotGateway(b *testing.B, stream bool, wantLen int) {
	up := hotUpstream(b)
	gw := hotGateway(b, up.URL)
	body := hotBody(stream)
	b.ReportAllocs()
	for b.Loop() {
		w := &discardWriter{header: http.Header{}}
		gw.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(body)))
		if w.code != http.StatusOK || w.n != wantLen {
			b.Fatalf("status %d, %d bytes (want %d)", w.code, w.n, wantLen)
		}
	}
}

// discardWriter is a ResponseWriter and Flusher that keeps only the
// status and the byte count, so that the benchmark counts none of a
// recorder's buffer growth as the gateway's.
type discardWriter struct {
	header http.Header
	code   int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}

func (w *discardWriter) Flush() {}

func benchHotDirect(b *testing.B, stream bool, wantLen int) {
	up := hotUpstream(b)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	b.Cleanup(client.CloseIdleConnections)
	body := hotBody(stream)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Post(up.URL+"/chat/completions", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || int(n) != wantLen {
			b.Fatalf("status %d, %d bytes (want %d)", resp.StatusCode, n, wantLen)
		}
	}
}

func BenchmarkHotChatThroughGateway(b *testing.B) { benchHotGateway(b, false, len(hotAnswer)) }
func BenchmarkHotChatDirect(b *testing.B)         { benchHotDirect(b, false, len(hotAnswer)) }
func BenchmarkHotStreamThroughGateway(b *testing.B) {
	benchHotGateway(b, true, len(hotStream()))
}
func BenchmarkHotStreamDirect(b *testing.B) { benchHotDirect(b, true, len(hotStream())) }
