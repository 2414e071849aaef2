package provider

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/failure"
)

func TestGeminiAdapter(t *testing.T) {
	type req struct {
		uri    string
		header http.Header
	}
	got := make(chan req, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		got <- req{r.URL.RequestURI(), r.Header.Clone()}
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	p, err := NewGemini("g", providerConfig(srv.URL, "test-key-a", "test-key-b"), "backstop-test")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Dialect() != "gemini" {
		t.Fatalf("dialect %q", p.Dialect())
	}
	calls := []struct {
		call    Call
		uri     string
		wantKey string
	}{
		{Call{Model: "gemini-2.5-flash", Body: []byte(`{}`), Header: http.Header{"Authorization": {"Bearer client-secret"}, "X-Request-Id": {"r1"}}},
			"/v1beta/models/gemini-2.5-flash:generateContent", "test-key-a"},
		{Call{Model: "tuned/odd model", Body: []byte(`{}`), Stream: true},
			"/v1beta/models/tuned%2Fodd%20model:streamGenerateContent?alt=sse", "test-key-b"},
		{Call{Model: "gemini-embedding-001", Body: []byte(`{}`), Embeddings: true, Stream: true},
			"/v1beta/models/gemini-embedding-001:batchEmbedContents", "test-key-a"},
	}
	for _, c := range calls {
		resp, err := p.Chat(context.Background(), c.call)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		s := <-got
		if s.uri != c.uri || s.header.Get("X-Goog-Api-Key") != c.wantKey || s.header.Get("Authorization") != "" || s.header.Get("X-Team") != "search" {
			t.Fatalf("upstream saw %s %v", s.uri, s.header)
		}
	}
	if h := calls[0].call.Header; h.Get("Authorization") == "" {
		t.Fatal("the caller's header was modified")
	}
}

// TestGeminiRetryDelay: Gemini's RetryInfo stands in for a Retry-After
// header it does not send.
func TestGeminiRetryDelay(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(429)
		_, _ = io.WriteString(w, `{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}`)
	}))
	defer srv.Close()
	p, _ := NewGemini("g", providerConfig(srv.URL), "")
	defer p.Close()
	_, err := p.Chat(context.Background(), Call{Model: "m", Body: []byte(`{}`)})
	var fe *failure.Error
	if !errors.As(err, &fe) || fe.Status != 429 || fe.RetryAfter != 1500*time.Millisecond {
		t.Fatalf("err = %#v", err)
	}
}

func TestGeminiErrors(t *testing.T) {
	cases := []struct {
		name, body   string
		status, want int
		code         string
	}{
		{"overloaded", `{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}`, 503, 503, "UNAVAILABLE"},
		{"quota", `{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}`, 429, 429, "RESOURCE_EXHAUSTED"},
		{"quota with a retry delay", `{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"34s"}]}}`, 429, 429, "RESOURCE_EXHAUSTED"},
		{"bad key", `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}`, 400, 401, "API_KEY_INVALID"},
		{"bad request", `{"error":{"code":400,"message":"Invalid JSON payload","status":"INVALID_ARGUMENT"}}`, 400, 400, "INVALID_ARGUMENT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := make(chan seen, 1)
			p, _ := NewGemini("g", providerConfig(upstream(t, c.status, c.body, got)), "")
			defer p.Close()
			_, err := p.Chat(context.Background(), Call{Model: "m", Body: []byte(`{}`)})
			var fe *failure.Error
			if !errors.As(err, &fe) || fe.Status != c.want || fe.Upstream.Code != c.code || fe.Upstream.Message == "" || fe.RetryAfter == 0 {
				t.Fatalf("err = %#v", err)
			}
		})
	}
}
