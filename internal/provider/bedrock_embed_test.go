package provider

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/backstophq/backstop/internal/failure"
)

// titanUpstream answers each Titan body with an embedding of the text's
// length, or with 503 for the text "fail"; it counts the calls and the
// most in flight at once. With gate, the first calls wait until
// embedParallel of them are in flight: a batch sent one by one hangs.
func titanUpstream(t *testing.T, gate bool) (base string, calls, peak *atomic.Int32) {
	t.Helper()
	calls, peak = new(atomic.Int32), new(atomic.Int32)
	var inFlight atomic.Int32
	release := make(chan struct{})
	var once sync.Once
	if !gate {
		close(release)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == embedParallel {
			once.Do(func() { close(release) })
		}
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		var in struct {
			InputText string `json:"inputText"`
		}
		b, _ := io.ReadAll(r.Body)
		if r.URL.EscapedPath() != "/model/amazon.titan-embed-text-v2%3A0/invoke" || json.Unmarshal(b, &in) != nil || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			w.WriteHeader(400)
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		if in.InputText == "fail" {
			w.Header().Set("X-Amzn-ErrorType", "ServiceUnavailableException")
			w.WriteHeader(503)
			_, _ = io.WriteString(w, `{"message":"Bedrock is unable to process your request."}`)
			return
		}
		out, _ := json.Marshal(map[string]any{"embedding": []float64{float64(len(in.InputText))}, "inputTextTokenCount": 1})
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, calls, peak
}

// TestBedrockEmbedBatch: a batch of Titan bodies is one InvokeModel call
// each, at most embedParallel at once, answered in order.
func TestBedrockEmbedBatch(t *testing.T) {
	base, calls, peak := titanUpstream(t, true)
	p := newTestBedrock(t, bedrockConfig(base))
	texts := []string{"a", "bb", "ccc", "dddd", "eeeee", "ffffff", "ggggggg"}
	var batch []map[string]any
	for _, s := range texts {
		batch = append(batch, map[string]any{"inputText": s})
	}
	body, _ := json.Marshal(batch)
	resp, err := p.Chat(context.Background(), Call{Model: "amazon.titan-embed-text-v2:0", Body: body, Embeddings: true})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []struct {
		Embedding []float64 `json:"embedding"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &got); err != nil || len(got) != len(texts) {
		t.Fatalf("answer %s: %v", b, err)
	}
	for i, g := range got {
		if len(g.Embedding) != 1 || int(g.Embedding[0]) != len(texts[i]) {
			t.Fatalf("answer %d is %v, out of order: %s", i, g.Embedding, b)
		}
	}
	if calls.Load() != int32(len(texts)) || peak.Load() > embedParallel || peak.Load() < 2 {
		t.Fatalf("%d calls, %d at once at most; want %d, 2..%d", calls.Load(), peak.Load(), len(texts), embedParallel)
	}

	// One object is one call, answered as it came.
	resp, err = p.Chat(context.Background(), Call{Model: "amazon.titan-embed-text-v2:0", Body: []byte(`{"inputText":"xy"}`), Embeddings: true, Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(b), `{"embedding":[2]`) {
		t.Fatalf("single answer %s", b)
	}
}

// TestBedrockEmbedBatchFails: one failed call fails the batch with its
// own failure.
func TestBedrockEmbedBatchFails(t *testing.T) {
	base, _, _ := titanUpstream(t, false)
	p := newTestBedrock(t, bedrockConfig(base))
	_, err := p.Chat(context.Background(), Call{Model: "amazon.titan-embed-text-v2:0",
		Body: []byte(`[{"inputText":"a"},{"inputText":"fail"},{"inputText":"c"}]`), Embeddings: true})
	var fe *failure.Error
	if !errors.As(err, &fe) || fe.Status != 503 || fe.Upstream.Code != "ServiceUnavailableException" {
		t.Fatalf("err = %#v", err)
	}
	if _, err := p.Chat(context.Background(), Call{Model: "amazon.titan-embed-text-v2:0", Body: []byte(`[]`), Embeddings: true}); !errors.As(err, &fe) || fe.Kind != failure.Malformed {
		t.Fatalf("empty batch: %v", err)
	}
}
