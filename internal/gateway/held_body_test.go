package gateway

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// heldHeapGrowth opens a stream with body through a gateway in front of
// a provider that sends one content chunk and then holds the stream,
// after setHeaders has set the provider's answer headers. It returns how
// much the live heap grew while the stream is held.
func heldHeapGrowth(t *testing.T, body string, setHeaders func(http.Header)) int64 {
	t.Helper()
	release := make(chan struct{})
	up := newUpstream(t, func(_ int32, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		setHeaders(w.Header())
		_, _ = w.Write([]byte(`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"ma","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}` + "\n\n"))
		w.(http.Flusher).Flush()
		<-release
	})
	s, _ := newGateway(t, up.URL, up.URL, "")
	gw := httptest.NewServer(s)
	defer gw.Close()
	defer close(release)

	var before, held runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	resp, err := http.Post(gw.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || !strings.Contains(line, `"content":"hi"`) {
		t.Fatalf("first line %q, %v", line, err)
	}
	runtime.GC()
	runtime.ReadMemStats(&held)
	return int64(held.HeapAlloc) - int64(before.HeapAlloc)
}

// A stream held open keeps neither the client's body nor the copy sent
// upstream: with a 4 MB conversation, the live heap while the stream is
// held grows by far less than one copy of it.
func TestHeldStreamKeepsNoCopyOfTheBody(t *testing.T) {
	const size = 4 << 20
	body := `{"model":"r","stream":true,"messages":[{"role":"user","content":"` + strings.Repeat("x", size) + `"}]}`
	if grew := heldHeapGrowth(t, body, func(http.Header) {}); grew > size/2 {
		t.Fatalf("the live heap grew by %d bytes while the stream is held, against a %d-byte body", grew, size)
	}
}

// Nor does it keep the provider's answer headers, read before commit and
// never after: with 512 KB of them, the live heap while the stream is held
// grows by far less.
func TestHeldStreamKeepsNoAnswerHeaders(t *testing.T) {
	value := strings.Repeat("h", 8<<10) // made once: the provider keeps no copy
	grew := heldHeapGrowth(t, `{"model":"r","stream":true,"messages":[{"role":"user","content":"hi"}]}`, func(h http.Header) {
		for i := range 64 {
			h.Set("X-Upstream-"+strconv.Itoa(i), value)
		}
	})
	if grew > 128<<10 {
		t.Fatalf("the live heap grew by %d bytes while the stream is held, against 512 KB of answer headers", grew)
	}
}
