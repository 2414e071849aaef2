package provider

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"weak"
)

// While a stream is held open, the body that was sent is not kept: after
// Chat returns, neither net/http's request nor its GetBody holds it.
func TestSentBodyIsNotKeptWhileTheStreamIsOpen(t *testing.T) {
	const size = 256 << 10 // a long conversation
	gotBody := make(chan []byte, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody <- b
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: {}\n\n")
		w.(http.Flusher).Flush()
		<-release
	}))
	defer srv.Close()
	defer close(release)
	p, err := NewOpenAI("o", providerConfig(srv.URL+"/v1", "test-key"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	body := bytes.Repeat([]byte("x"), size)
	body[0], body[size-1] = '{', '}'
	sent := weak.Make(&body[0])
	resp, err := p.Chat(context.Background(), Call{Model: "m", Body: body, Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := <-gotBody; len(got) != size || got[0] != '{' || got[size-1] != '}' {
		t.Fatalf("upstream got %d bytes", len(got))
	}
	first := make([]byte, 10)
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "data: {}\n\n" {
		t.Fatalf("first event %q, %v", first, err)
	}
	body = nil
	runtime.GC()
	if sent.Value() != nil {
		t.Fatal("the sent body is still reachable while the stream is open")
	}
}

// GetBody rewinds while the call runs, and gives nothing after release;
// the reader forgets its bytes at the end.
func TestSentBodyRewindsUntilReleased(t *testing.T) {
	s := newSentBody([]byte("abc"))
	for range 2 {
		r, _ := s.reader()
		b, err := io.ReadAll(r)
		if err != nil || string(b) != "abc" {
			t.Fatalf("read %q, %v", b, err)
		}
		if r.(*onceReader).b != nil {
			t.Fatal("the reader kept its bytes after the end")
		}
	}
	s.release()
	if r, _ := s.reader(); r != http.NoBody {
		t.Fatalf("after release: %T", r)
	}
}
