package main

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/backstophq/backstop/internal/mock"
)

// These tests put Gemini and Bedrock embeddings models behind a real
// `backstop serve`, called with openai-go's Embeddings.New: the gateway
// translates the request for batchEmbedContents, Titan and Cohere, and
// their answers back, and fails over between them.

const embeddingsConfig = `
listen: 127.0.0.1:0
log: {level: info, requests: true}
providers:
  g: {type: gemini, base_url: %s, api_key: test-key-g}
  br: {type: bedrock, region: us-east-1, base_url: %s, access_key_id: test-access-key, secret_access_key: test-secret-key}
targets:
  gemb: {provider: g, model: gemini-embedding-001}
  gchat: {provider: g, model: gemini-2.5-flash}
  titan: {provider: br, model: "amazon.titan-embed-text-v2:0"}
  cohere: {provider: br, model: cohere.embed-english-v3}
  nova: {provider: br, model: "amazon.nova-pro-v1:0"}
routes:
  gemini-first:
    targets: [gemb]
    fallbacks: [titan]
    retry: {attempts: 1}
    breaker: {consecutive_failures: 0, error_rate: 0}
  titan-first:
    targets: [titan]
    fallbacks: [gemb]
    retry: {attempts: 1}
    breaker: {consecutive_failures: 0, error_rate: 0}
  cohere: {targets: [cohere]}
  nova: {targets: [nova]}
  chat: {targets: [titan, gchat]}
`

// newEmbeddingsE2E starts a Gemini provider g and a Bedrock provider br
// and a gateway in front of them.
func newEmbeddingsE2E(t *testing.T) (e *e2e, g, br *mock.Provider) {
	t.Helper()
	sim := mock.New(mock.Options{Seed: 5})
	t.Cleanup(func() { _ = sim.Close() })
	e = &e2e{t: t, sim: sim}
	var err error
	if g, err = sim.Start("g", "127.0.0.1:0", mock.WithAPIKeys("test-key-g")); err != nil {
		t.Fatal(err)
	}
	if br, err = sim.Start("br", "127.0.0.1:0", mock.WithBedrockRegion("us-east-1")); err != nil {
		t.Fatal(err)
	}
	e.config = fmt.Sprintf(embeddingsConfig, g.GeminiURL(), br.BedrockURL())
	e.path = filepath.Join(t.TempDir(), "backstop.yaml")
	if err := os.WriteFile(e.path, []byte(e.config), 0o600); err != nil {
		t.Fatal(err)
	}
	e.start(e.path)
	e.client = openai.NewClient(option.WithBaseURL(e.base+"/v1"), option.WithAPIKey("client-key"), option.WithMaxRetries(0))
	return e, g, br
}

func embeddingsParams(route string, inputs ...string) openai.EmbeddingNewParams {
	p := openai.EmbeddingNewParams{Model: openai.EmbeddingModel(route)}
	if len(inputs) == 1 {
		p.Input.OfString = openai.String(inputs[0])
	} else {
		p.Input.OfArrayOfStrings = inputs
	}
	return p
}

// unitLength reports whether v has length 1, as both providers' vectors
// do (Titan's because the gateway asks it to normalize).
func unitLength(v []float64) bool {
	var s float64
	for _, f := range v {
		s += f * f
	}
	return math.Abs(s-1) < 1e-3
}

func TestEmbeddingsOnGemini(t *testing.T) {
	e, g, _ := newEmbeddingsE2E(t)
	var resp *http.Response
	got, err := e.client.Embeddings.New(e.ctx(), embeddingsParams("gemini-first", "hello world"), option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != 1 || len(got.Data[0].Embedding) != 3072 || !unitLength(got.Data[0].Embedding) || got.Object != "list" ||
		got.Model != "gemini-embedding-001" || got.Usage.PromptTokens < 1 || got.Usage.TotalTokens != got.Usage.PromptTokens {
		t.Fatalf("%d embeddings of %d, model %q, usage %+v", len(got.Data), len(got.Data[0].Embedding), got.Model, got.Usage)
	}
	if resp.Header.Get("X-Backstop-Target") != "gemb" {
		t.Fatalf("served by %q", resp.Header.Get("X-Backstop-Target"))
	}
	rec := lastRequest(g)
	if rec.Path != "/v1beta/models/gemini-embedding-001:batchEmbedContents" || rec.Header.Get("X-Goog-Api-Key") != "test-key-g" {
		t.Fatalf("provider saw %s", rec.Path)
	}

	// A batch, with dimensions.
	params := embeddingsParams("gemini-first", "one", "two", "three")
	params.Dimensions = openai.Int(256)
	batch, err := e.client.Embeddings.New(e.ctx(), params)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Data) != 3 {
		t.Fatalf("%d embeddings for 3 inputs", len(batch.Data))
	}
	for i, d := range batch.Data {
		if d.Index != int64(i) || len(d.Embedding) != 256 || !unitLength(d.Embedding) {
			t.Fatalf("embedding %d: index %d, %d dimensions", i, d.Index, len(d.Embedding))
		}
	}

	// base64: the same vectors, as little-endian float32s.
	params.EncodingFormat = openai.EmbeddingNewParamsEncodingFormatBase64
	var raw struct {
		Data []struct {
			Embedding string `json:"embedding"`
		} `json:"data"`
	}
	if _, err := e.client.Embeddings.New(e.ctx(), params, option.WithResponseBodyInto(&raw)); err != nil {
		t.Fatal(err)
	}
	for i, d := range raw.Data {
		if v := decodeBase64Vector(t, d.Embedding); len(v) != 256 || v[7] != float32(batch.Data[i].Embedding[7]) {
			t.Fatalf("base64 embedding %d differs from the float one", i)
		}
	}

	// Token arrays are OpenAI's tokenizer's: a 400 naming input.
	_, err = e.client.Embeddings.New(e.ctx(), openai.EmbeddingNewParams{Model: "gemini-first",
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfTokens: []int64{1, 2, 3}}})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "input" {
		t.Fatalf("token arrays: %v", err)
	}
}

func TestEmbeddingsOnBedrock(t *testing.T) {
	e, _, br := newEmbeddingsE2E(t)
	var resp *http.Response
	params := embeddingsParams("titan-first", "alpha", "beta", "gamma", "delta", "epsilon", "zeta")
	params.Dimensions = openai.Int(512)
	got, err := e.client.Embeddings.New(e.ctx(), params, option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != 6 || resp.Header.Get("X-Backstop-Target") != "titan" || got.Model != "amazon.titan-embed-text-v2:0" || got.Usage.PromptTokens < 6 {
		t.Fatalf("%d embeddings from %q, model %q, usage %+v", len(got.Data), resp.Header.Get("X-Backstop-Target"), got.Model, got.Usage)
	}
	// Titan embeds one text a call: six calls; in order, so the vector of
	// "gamma" alone is the third of the batch.
	if n := br.Stats().Requests; n != 6 {
		t.Fatalf("Bedrock got %d calls for 6 texts", n)
	}
	for i, d := range got.Data {
		if d.Index != int64(i) || len(d.Embedding) != 512 || !unitLength(d.Embedding) {
			t.Fatalf("embedding %d: index %d, %d dimensions", i, d.Index, len(d.Embedding))
		}
	}
	single := embeddingsParams("titan-first", "gamma")
	single.Dimensions = openai.Int(512)
	one, err := e.client.Embeddings.New(e.ctx(), single)
	if err != nil || one.Data[0].Embedding[3] != got.Data[2].Embedding[3] {
		t.Fatalf("single: %v", err)
	}
	if rec := lastRequest(br); rec.Path != "/model/amazon.titan-embed-text-v2:0/invoke" || !strings.HasPrefix(rec.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		t.Fatalf("provider saw %s", rec.Path)
	}

	// Dimensions Titan cannot make skip it, as a request it cannot take:
	// its fallback, Gemini, serves them.
	bad := embeddingsParams("titan-first", "x")
	bad.Dimensions = openai.Int(300)
	if _, err := e.client.Embeddings.New(e.ctx(), bad, option.WithResponseInto(&resp)); err != nil || resp.Header.Get("X-Backstop-Target") != "gemb" {
		t.Fatalf("dimensions 300: %v, served by %q", err, resp.Header.Get("X-Backstop-Target"))
	}
	if !strings.Contains(resp.Header.Get("X-Backstop-Skipped"), "titan=cannot_translate") {
		t.Fatalf("skipped %q", resp.Header.Get("X-Backstop-Skipped"))
	}

	// Cohere: one call for the batch, base64 too.
	cp := embeddingsParams("cohere", "one", "two")
	cp.EncodingFormat = openai.EmbeddingNewParamsEncodingFormatBase64
	var raw struct {
		Data []struct {
			Embedding string `json:"embedding"`
		} `json:"data"`
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"usage"`
	}
	before := br.Stats().Requests
	if _, err := e.client.Embeddings.New(e.ctx(), cp, option.WithResponseBodyInto(&raw)); err != nil {
		t.Fatal(err)
	}
	if len(raw.Data) != 2 || len(decodeBase64Vector(t, raw.Data[1].Embedding)) != 1024 || raw.Usage.PromptTokens < 1 || br.Stats().Requests != before+1 {
		t.Fatalf("cohere: %d embeddings, usage %d, %d calls", len(raw.Data), raw.Usage.PromptTokens, br.Stats().Requests-before)
	}
	cp.Dimensions = openai.Int(256)
	var apiErr *openai.Error
	if _, err := e.client.Embeddings.New(e.ctx(), cp); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "dimensions" {
		t.Fatalf("cohere with dimensions: %v", err)
	}

	// A Bedrock chat model has no embeddings; an embeddings model no chat.
	if _, err := e.client.Embeddings.New(e.ctx(), embeddingsParams("nova", "x")); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.Message, "no embeddings") {
		t.Fatalf("embeddings on nova: %v", err)
	}
	if _, err := e.client.Chat.Completions.New(e.ctx(), chatParams("chat", "hello"), option.WithResponseInto(&resp)); err != nil ||
		resp.Header.Get("X-Backstop-Target") != "gchat" || !strings.Contains(resp.Header.Get("X-Backstop-Skipped"), "titan=chat") {
		t.Fatalf("chat past an embeddings model: %v, served by %q, skipped %q", err, resp.Header.Get("X-Backstop-Target"), resp.Header.Get("X-Backstop-Skipped"))
	}
}

// TestEmbeddingsFailOverAcrossProviders: a 503 from one provider's
// embeddings fails over to the other's, both ways.
func TestEmbeddingsFailOverAcrossProviders(t *testing.T) {
	e, g, br := newEmbeddingsE2E(t)
	for _, c := range []struct {
		route      string
		down       *mock.Provider
		want, path string
	}{
		{"gemini-first", g, "titan", "/model/amazon.titan-embed-text-v2:0/invoke"},
		{"titan-first", br, "gemb", "/v1beta/models/gemini-embedding-001:batchEmbedContents"},
	} {
		t.Run(c.route, func(t *testing.T) {
			e.fault(c.down, mock.Fault{Status: 503})
			defer func() { _ = c.down.ClearFault() }()
			var resp *http.Response
			got, err := e.client.Embeddings.New(e.ctx(), embeddingsParams(c.route, "one", "two"), option.WithResponseInto(&resp))
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Data) != 2 || resp.Header.Get("X-Backstop-Target") != c.want || resp.Header.Get("X-Backstop-Fallback") != "true" {
				t.Fatalf("%d embeddings from %q (fallback %q)", len(got.Data), resp.Header.Get("X-Backstop-Target"), resp.Header.Get("X-Backstop-Fallback"))
			}
			up := g
			if c.want == "titan" {
				up = br
			}
			if rec := lastRequest(up); rec.Path != c.path {
				t.Fatalf("fallback saw %s", rec.Path)
			}
		})
	}
}

func decodeBase64Vector(t *testing.T, s string) []float32 {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b)%4 != 0 {
		t.Fatalf("base64 vector %.40q: %v", s, err)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}
