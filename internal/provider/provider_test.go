package provider

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/failure"
)

type seen struct {
	path   string
	header http.Header
	body   string
}

func upstream(t *testing.T, status int, body string, got chan<- seen) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.URL.Path, r.Header.Clone(), string(b)}
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func providerConfig(base string, keys ...config.Secret) *config.Provider {
	return &config.Provider{BaseURL: base, APIKeys: keys, ConnectTimeout: config.Duration(time.Second), MaxIdleConns: 4,
		Headers: map[string]config.Secret{"X-Team": "search"}}
}

func TestOpenAIAdapter(t *testing.T) {
	got := make(chan seen, 4)
	base := upstream(t, 200, `{}`, got)
	p, err := NewOpenAI("o", providerConfig(base+"/v1", "k1", "k2"), "backstop/test")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, want := range []string{"Bearer k1", "Bearer k2", "Bearer k1"} {
		resp, err := p.Chat(context.Background(), Call{Model: "m", Body: []byte(`{"model":"m"}`), Header: http.Header{"X-Request-Id": {"r1"}, "X-Team": {"from-client"}}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		s := <-got
		if s.path != "/v1/chat/completions" || s.header.Get("Authorization") != want || s.body != `{"model":"m"}` {
			t.Fatalf("upstream saw %s auth %q body %q", s.path, s.header.Get("Authorization"), s.body)
		}
		if s.header.Get("X-Request-Id") != "r1" || s.header.Get("X-Team") != "search" || s.header.Get("User-Agent") != "backstop/test" {
			t.Fatalf("headers %v", s.header)
		}
	}
}

func TestAnthropicAdapter(t *testing.T) {
	got := make(chan seen, 2)
	base := upstream(t, 200, `{}`, got)
	p, err := NewAnthropic("a", providerConfig(base, "sk-test"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	resp, err := p.Chat(context.Background(), Call{Body: []byte(`{}`), Header: http.Header{"Anthropic-Beta": {"tools-2024"}}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := <-got
	if s.path != "/v1/messages" || s.header.Get("X-Api-Key") != "sk-test" || s.header.Get("Authorization") != "" ||
		s.header.Get("Anthropic-Version") != AnthropicVersion || s.header.Get("Anthropic-Beta") != "tools-2024" {
		t.Fatalf("upstream saw %s %v", s.path, s.header)
	}
	resp, err = p.Chat(context.Background(), Call{Body: []byte(`{}`), Header: http.Header{"Anthropic-Version": {"2024-01-01"}}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := <-got; s.header.Get("Anthropic-Version") != "2024-01-01" {
		t.Fatalf("the client's anthropic-version was replaced: %q", s.header.Get("Anthropic-Version"))
	}
}

func TestStatusFailuresAreParsedPerDialect(t *testing.T) {
	got := make(chan seen, 2)
	anth := upstream(t, 529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, got)
	a, _ := NewAnthropic("a", providerConfig(anth), "")
	defer a.Close()
	_, err := a.Chat(context.Background(), Call{Body: []byte(`{}`)})
	var fe *failure.Error
	if !errors.As(err, &fe) || fe.Status != 529 || fe.Upstream.Type != "overloaded_error" || fe.RetryAfter != 3*time.Second {
		t.Fatalf("err = %#v", err)
	}
	oai := upstream(t, 502, `<html>bad gateway</html>`, got)
	o, _ := NewOpenAI("o", providerConfig(oai), "")
	defer o.Close()
	_, err = o.Chat(context.Background(), Call{Body: []byte(`{}`)})
	if !errors.As(err, &fe) || fe.Status != 502 || fe.Upstream.Message != "" || fe.Err == nil {
		t.Fatalf("err = %#v", err)
	}
}

func TestAzureAdapter(t *testing.T) {
	got := make(chan seen, 2)
	var full string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		full = r.URL.RequestURI()
		got <- seen{r.URL.Path, r.Header.Clone(), ""}
	}))
	defer srv.Close()
	c := providerConfig(srv.URL, "az-key")
	c.APIVersion = "2024-10-21"
	p, err := NewAzure("az", c, "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	resp, err := p.Chat(context.Background(), Call{Model: "gpt-4o prod", Body: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := <-got
	if full != "/openai/deployments/gpt-4o%20prod/chat/completions?api-version=2024-10-21" || s.header.Get("Api-Key") != "az-key" || s.header.Get("Authorization") != "" {
		t.Fatalf("azure saw %s with api-key %q", full, s.header.Get("Api-Key"))
	}
	resp, err = p.Chat(context.Background(), Call{Model: "emb", Body: []byte(`{}`), Embeddings: true})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	<-got
	if full != "/openai/deployments/emb/embeddings?api-version=2024-10-21" {
		t.Fatalf("azure embeddings went to %s", full)
	}
	a, _ := NewAnthropic("a", providerConfig(srv.URL), "")
	defer a.Close()
	if _, err := a.Chat(context.Background(), Call{Embeddings: true}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("anthropic embeddings: %v", err)
	}
}
