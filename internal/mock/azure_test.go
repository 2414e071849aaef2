package mock

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// azureSDK is openai-go pointed at p's Azure paths for deployment, the
// way Azure clients call it: the deployment in the URL, api-version in the
// query and the key in api-key.
func azureSDK(t *testing.T, p *Provider, deployment string, opts ...option.RequestOption) openai.Client {
	return openai.NewClient(append([]option.RequestOption{
		option.WithBaseURL("http://" + p.Addr() + "/openai/deployments/" + deployment + "/"),
		option.WithQuery("api-version", "2024-10-21"),
		option.WithHeader("api-key", "test-key"),
		option.WithMaxRetries(0),
		option.WithHTTPClient(httpClient(t)),
	}, opts...)...)
}

func TestAzureAnswersLikeOpenAI(t *testing.T) {
	sim := newSim(t, Options{Seed: 1})
	p := start(t, sim, "az")
	client := azureSDK(t, p, "gpt-4o-prod")
	cc, err := client.Chat.Completions.New(testContext(t), userParams("What is the weather like?"))
	if err != nil {
		t.Fatal(err)
	}
	plain := sdk(t, p)
	want, err := plain.Chat.Completions.New(testContext(t), userParams("What is the weather like?"))
	if err != nil {
		t.Fatal(err)
	}
	if cc.Choices[0].Message.Content != want.Choices[0].Message.Content || cc.Model != "gpt-4o-mini" {
		t.Fatalf("azure answered %q (model %q), openai %q", cc.Choices[0].Message.Content, cc.Model, want.Choices[0].Message.Content)
	}
	rec := p.Stats().Recent[0]
	if rec.Path != "/openai/deployments/gpt-4o-prod/chat/completions" {
		t.Fatalf("path %q", rec.Path)
	}
	emb, err := client.Embeddings.New(testContext(t), openai.EmbeddingNewParams{
		Model: "text-embedding-3-small", Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("hello")},
	})
	if err != nil || len(emb.Data) != 1 || len(emb.Data[0].Embedding) == 0 {
		t.Fatalf("embeddings: %v %+v", err, emb)
	}
}

func TestAzureModelFromDeployment(t *testing.T) {
	sim := newSim(t, Options{Seed: 1})
	p := start(t, sim, "az")
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodPost,
		"http://"+p.Addr()+"/openai/deployments/my-deploy/chat/completions?api-version=2024-10-21",
		strings.NewReader(`{"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("api-key", "test-key")
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct{ Model string }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	if answer.Model != "my-deploy" {
		t.Fatalf("model %q, want the deployment", answer.Model)
	}
}

func TestAzureRefusals(t *testing.T) {
	sim := newSim(t, Options{Seed: 1})
	p := start(t, sim, "az", WithAPIKeys("test-key"))
	tests := []struct {
		name   string
		opts   []option.RequestOption
		status int
		code   string
	}{
		{"no api-version", []option.RequestOption{option.WithQueryDel("api-version")}, 400, "MissingApiVersionParameter"},
		{"no api-key", []option.RequestOption{option.WithHeaderDel("api-key")}, 401, "401"},
		{"wrong api-key", []option.RequestOption{option.WithHeader("api-key", "test-other")}, 401, "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := azureSDK(t, p, "d", tt.opts...)
			_, err := client.Chat.Completions.New(testContext(t), userParams("hi"))
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status || apiErr.Code != tt.code {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(apiErr.RawJSON(), `"type"`) {
				t.Fatalf("azure errors carry no type: %s", apiErr.RawJSON())
			}
		})
	}
}

func TestWithoutToolCallsAnswersText(t *testing.T) {
	sim := newSim(t, Options{Seed: 1})
	plain, quiet := start(t, sim, "plain"), start(t, sim, "quiet", WithoutToolCalls())
	params := userParams("What's the weather?")
	params.Tools = []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{Name: "get_weather"})}
	for _, tc := range []struct {
		p     *Provider
		tools bool
	}{{plain, true}, {quiet, false}} {
		client := sdk(t, tc.p)
		cc, err := client.Chat.Completions.New(testContext(t), params)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(cc.Choices[0].Message.ToolCalls) > 0; got != tc.tools {
			t.Fatalf("%s: tool call %v, want %v (%+v)", tc.p.Name(), got, tc.tools, cc.Choices[0].Message)
		}
	}
}
