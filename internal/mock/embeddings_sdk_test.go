package mock

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/openai/openai-go/v3"
	"google.golang.org/genai"
)

// These tests call the simulator's Gemini and Bedrock embeddings with
// the official SDKs: google.golang.org/genai's Models.EmbedContent and
// aws-sdk-go-v2's InvokeModel.

// unit reports whether v has length 1, as the simulator's vectors do.
func unit(v []float32) bool {
	var s float64
	for _, f := range v {
		s += float64(f) * float64(f)
	}
	return math.Abs(s-1) < 1e-3
}

func TestGeminiEmbedContentWithTheSDK(t *testing.T) {
	sim := newSim(t, Options{Seed: 7})
	p := start(t, sim, "primary")
	c := gemini(t, p, "test-key")
	ctx := testContext(t)
	dims := int32(256)
	resp, err := c.Models.EmbedContent(ctx, "gemini-embedding-001",
		[]*genai.Content{genai.NewContentFromText("first", genai.RoleUser), genai.NewContentFromText("second", genai.RoleUser)},
		&genai.EmbedContentConfig{OutputDimensionality: &dims, TaskType: "RETRIEVAL_DOCUMENT"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Embeddings) != 2 || len(resp.Embeddings[0].Values) != 256 || !unit(resp.Embeddings[0].Values) ||
		slices.Equal(resp.Embeddings[0].Values, resp.Embeddings[1].Values) {
		t.Fatalf("%d embeddings, first of %d", len(resp.Embeddings), len(resp.Embeddings[0].Values))
	}
	if rec := p.Stats().Recent[0]; rec.Path != "/v1beta/models/gemini-embedding-001:batchEmbedContents" {
		t.Fatalf("the SDK called %s", rec.Path)
	}
	// Deterministic, and the same vector as the OpenAI dialect's.
	again, err := c.Models.EmbedContent(ctx, "gemini-embedding-001", genai.Text("first"), nil)
	if err != nil || len(again.Embeddings[0].Values) != geminiEmbeddingDimensions {
		t.Fatalf("%v", err)
	}
	oc := sdk(t, p)
	oa, err := oc.Embeddings.New(ctx, openai.EmbeddingNewParams{Model: "m",
		Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("first")}, Dimensions: openai.Int(256)})
	if err != nil || len(oa.Data[0].Embedding) != 256 || float32(oa.Data[0].Embedding[5]) != resp.Embeddings[0].Values[5] {
		t.Fatalf("OpenAI dialect: %v", err)
	}

	// Faults apply as on every path.
	if err := p.SetFault(Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	var apiErr genai.APIError
	if _, err = c.Models.EmbedContent(ctx, "gemini-embedding-001", genai.Text("x"), nil); !errors.As(err, &apiErr) || apiErr.Code != 503 || apiErr.Status != "UNAVAILABLE" {
		t.Fatalf("503: %#v", err)
	}
	_ = p.ClearFault()
	// Bad requests get Gemini's 400.
	hc := httpClient(t)
	for _, body := range []string{
		`{"requests":[]}`,
		`{"requests":[{"model":"models/other","content":{"parts":[{"text":"a"}]}}]}`,
		`{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"a"}]},"outputDimensionality":0}]}`,
		`{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[]}}]}`,
		`{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"a"}]},"bogus":1}]}`,
	} {
		resp, got := post(t, hc, p, "/v1beta/models/gemini-embedding-001:batchEmbedContents?key=test-key", body)
		if resp.StatusCode != 400 || !strings.Contains(string(got), `"INVALID_ARGUMENT"`) {
			t.Errorf("%s: %d %s", body, resp.StatusCode, got)
		}
	}
	// :embedContent, one content.
	resp2, got := post(t, hc, p, "/v1beta/models/text-embedding-004:embedContent?key=test-key", `{"content":{"parts":[{"text":"first"}]},"outputDimensionality":256}`)
	var one struct {
		Embedding struct {
			Values []float32 `json:"values"`
		} `json:"embedding"`
	}
	if resp2.StatusCode != 200 || json.Unmarshal(got, &one) != nil || !slices.Equal(one.Embedding.Values, resp.Embeddings[0].Values) {
		t.Fatalf("embedContent: %d %.200s", resp2.StatusCode, got)
	}
}

func TestBedrockEmbeddingsWithTheSDK(t *testing.T) {
	sim := newSim(t, Options{Seed: 3})
	p := start(t, sim, "east", WithBedrockRegion("us-east-1"))
	c := bedrockClient(t, p, "us-east-1")
	ctx := testContext(t)
	const titan = "amazon.titan-embed-text-v2:0"
	out, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(titan),
		Body: []byte(`{"inputText":"hello world","dimensions":256,"normalize":true}`), ContentType: aws.String("application/json")})
	if err != nil {
		t.Fatal(err)
	}
	var tv struct {
		Embedding []float32 `json:"embedding"`
		Tokens    int       `json:"inputTextTokenCount"`
	}
	if err := json.Unmarshal(out.Body, &tv); err != nil || len(tv.Embedding) != 256 || !unit(tv.Embedding) || tv.Tokens < 1 {
		t.Fatalf("titan: %.200s %v", out.Body, err)
	}
	if rec := p.Stats().Recent[0]; rec.Model != titan || !strings.HasSuffix(rec.Path, "/invoke") {
		t.Fatalf("recorded %s %q", rec.Path, rec.Model)
	}
	var invalid *types.ValidationException
	for _, body := range []string{`{"inputText":"a","dimensions":300}`, `{"texts":["a"]}`, `{}`, `{"inputText":""}`} {
		if _, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(titan), Body: []byte(body)}); !errors.As(err, &invalid) {
			t.Errorf("titan %s: %v", body, err)
		}
	}

	const cohere = "cohere.embed-english-v3"
	out, err = c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(cohere),
		Body: []byte(`{"texts":["hello world","second"],"input_type":"search_document"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var cv struct {
		ID         string      `json:"id"`
		Embeddings [][]float32 `json:"embeddings"`
		Texts      []string    `json:"texts"`
	}
	if err := json.Unmarshal(out.Body, &cv); err != nil || len(cv.Embeddings) != 2 || len(cv.Embeddings[0]) != 1024 || cv.ID == "" || len(cv.Texts) != 2 {
		t.Fatalf("cohere: %.200s %v", out.Body, err)
	}
	if _, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(cohere), Body: []byte(`{"texts":["a"]}`)}); !errors.As(err, &invalid) {
		t.Errorf("cohere without input_type: %v", err)
	}

	if err := p.SetFault(Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	var unavailable *types.ServiceUnavailableException
	if _, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(titan), Body: []byte(`{"inputText":"a"}`)}); !errors.As(err, &unavailable) {
		t.Fatalf("503: %v", err)
	}
}

// FuzzGeminiEmbedText: no EmbedContentRequest makes the reader panic,
// and one it accepts has a text and a length in bounds.
func FuzzGeminiEmbedText(f *testing.F) {
	f.Add([]byte(`{"model":"models/m","content":{"parts":[{"text":"a"}]},"outputDimensionality":256}`))
	f.Add([]byte(`{"content":{"parts":[{"text":""},{"text":"b"}]},"taskType":"RETRIEVAL_QUERY"}`))
	f.Add([]byte(`{"content":{"parts":[{"inlineData":{}}]}}`))
	f.Add([]byte(`{"content":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		text, dims, _, e := geminiEmbedText("", body)
		if e == nil && (text == "" || dims < 1 || dims > geminiEmbeddingDimensions) {
			t.Fatalf("accepted %q with text %q, %d dimensions", body, text, dims)
		}
	})
}
