package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/backstophq/backstop/internal/bedrock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/failure"
)

// bedrockSeen is one request as a fake Bedrock received it.
type bedrockSeen struct {
	uri    string
	header http.Header
	body   []byte
	host   string
}

// fakeBedrock answers every request with status, header and body, and
// reports what it received.
func fakeBedrock(t *testing.T, status int, header http.Header, body []byte) (string, <-chan bedrockSeen) {
	t.Helper()
	got := make(chan bedrockSeen, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- bedrockSeen{r.RequestURI, r.Header.Clone(), b, r.Host}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, got
}

func bedrockConfig(base string) *config.Provider {
	return &config.Provider{Type: config.ProviderBedrock, BaseURL: base, Region: "us-west-2",
		AccessKeyID: "test-access-key", SecretAccessKey: "test-secret-key", SessionToken: "test-session-token",
		ConnectTimeout: config.Duration(time.Second), MaxIdleConns: 4}
}

func newTestBedrock(t *testing.T, c *config.Provider) *Bedrock {
	t.Helper()
	p, err := NewBedrock("br", c, "backstop/test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

var signedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// TestBedrockSignsForItsRegion checks the SigV4 header's shape and scope,
// and that the signature is the one the SDK's signer makes for exactly
// what the upstream received.
func TestBedrockSignsForItsRegion(t *testing.T) {
	base, got := fakeBedrock(t, 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{}`))
	p := newTestBedrock(t, bedrockConfig(base))
	p.now = func() time.Time { return signedAt }
	resp, err := p.Chat(context.Background(), Call{Model: "amazon.nova-pro-v1:0", Body: []byte(`{"messages":[]}`),
		Header: http.Header{"X-Request-Id": {"r1"}, "Authorization": {"Bearer client-key"}}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := <-got
	auth := s.header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=test-access-key/20260102/us-west-2/bedrock/aws4_request, SignedHeaders=") ||
		!strings.Contains(auth, "x-request-id") || !strings.Contains(auth, "Signature=") {
		t.Fatalf("Authorization %q", auth)
	}
	if s.header.Get("X-Amz-Date") != "20260102T030405Z" || s.header.Get("X-Amz-Security-Token") != "test-session-token" {
		t.Fatalf("headers %v", s.header)
	}
	// Sign what the upstream saw again, with the SDK's signer: the same
	// signature, so nothing signed was changed on the way.
	req, _ := http.NewRequest(http.MethodPost, base+s.uri, bytes.NewReader(s.body))
	req.Host = s.host
	for _, h := range []string{"Content-Type", "Accept", "X-Request-Id", "X-Amz-Content-Sha256"} {
		req.Header.Set(h, s.header.Get(h))
	}
	req.ContentLength = int64(len(s.body))
	creds := aws.Credentials{AccessKeyID: "test-access-key", SecretAccessKey: "test-secret-key", SessionToken: "test-session-token"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, s.header.Get("X-Amz-Content-Sha256"), "bedrock", "us-west-2", signedAt); err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Authorization") != auth {
		t.Fatalf("signature differs:\n got %s\nwant %s", auth, req.Header.Get("Authorization"))
	}
}

func TestBedrockURLs(t *testing.T) {
	base, got := fakeBedrock(t, 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{}`))
	p := newTestBedrock(t, bedrockConfig(base))
	for _, tc := range []struct {
		model   string
		stream  bool
		uri     string
		dialect string
	}{
		{"amazon.nova-pro-v1:0", false, "/model/amazon.nova-pro-v1%3A0/converse", "converse"},
		{"us.anthropic.claude-sonnet-4-5-20250929-v1:0", false, "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke", "anthropic"},
		{"arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-3-haiku-v1:0", false,
			"/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A111122223333%3Ainference-profile%2Fus.anthropic.claude-3-haiku-v1%3A0/invoke", "anthropic"},
	} {
		body := []byte(`{"messages":[{"role":"user","content":"hi"}]}`)
		resp, err := p.Chat(context.Background(), Call{Model: tc.model, Body: body, Stream: tc.stream})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if s := <-got; s.uri != tc.uri {
			t.Errorf("%s went to %s, want %s", tc.model, s.uri, tc.uri)
		}
		if d := p.DialectFor(tc.model); d != tc.dialect {
			t.Errorf("DialectFor(%s) = %s", tc.model, d)
		}
	}
	if _, err := p.Chat(context.Background(), Call{Model: "amazon.nova-pro-v1:0", Embeddings: true}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("embeddings of a chat model: %v", err)
	}
}

func TestBedrockInvokeBody(t *testing.T) {
	base, got := fakeBedrock(t, 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{}`))
	c := bedrockConfig(base)
	c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.APIKey = "", "", "", "test-key"
	p := newTestBedrock(t, c)
	resp, err := p.Chat(context.Background(), Call{Model: "anthropic.claude-3-5-haiku-20241022-v1:0",
		Body:   []byte(`{"model":"anthropic.claude-3-5-haiku-20241022-v1:0","max_tokens":5,"stream":false,"messages":[{"role":"user","content":"hi"}],"anthropic_beta":["a"]}`),
		Header: http.Header{"Anthropic-Beta": {"b, a", "c"}, "Anthropic-Version": {"2023-06-01"}, "X-Api-Key": {"client-key"}}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := <-got
	var body map[string]any
	if err := json.Unmarshal(s.body, &body); err != nil {
		t.Fatal(err)
	}
	if _, has := body["model"]; has {
		t.Error("model was not removed")
	}
	if _, has := body["stream"]; has {
		t.Error("stream was not removed")
	}
	if body["anthropic_version"] != BedrockAnthropicVersion || body["max_tokens"] != 5.0 {
		t.Errorf("body %s", s.body)
	}
	if betas, _ := json.Marshal(body["anthropic_beta"]); string(betas) != `["a","b","c"]` {
		t.Errorf("anthropic_beta %s", betas)
	}
	if s.header.Get("Authorization") != "Bearer test-key" || s.header.Get("X-Amz-Date") != "" ||
		s.header.Get("X-Api-Key") != "" || s.header.Get("Anthropic-Version") != "" || s.header.Get("Anthropic-Beta") != "" {
		t.Errorf("headers %v", s.header)
	}
	out, err := InvokeBody([]byte(`{"anthropic_version":"bedrock-2099-01-01","messages":[]}`), nil)
	if err != nil || !bytes.Contains(out, []byte(`"anthropic_version":"bedrock-2099-01-01"`)) || bytes.Contains(out, []byte("anthropic_beta")) {
		t.Errorf("a body's own anthropic_version: %s, %v", out, err)
	}
}

func TestBedrockErrors(t *testing.T) {
	for _, tc := range []struct {
		status        int
		header        http.Header
		body          string
		code, message string
	}{
		{429, http.Header{"X-Amzn-Errortype": {"ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"}},
			`{"message":"Too many requests, please wait before trying again."}`, "ThrottlingException", "Too many requests, please wait before trying again."},
		{400, nil, `{"__type":"com.amazon.coral.validate#ValidationException","message":"The provided model identifier is invalid."}`,
			"ValidationException", "The provided model identifier is invalid."},
		{403, http.Header{"X-Amzn-Errortype": {"UnrecognizedClientException"}}, `{"Message":"The security token included in the request is invalid."}`,
			"UnrecognizedClientException", "The security token included in the request is invalid."},
		{503, nil, `<html>unavailable</html>`, "", ""},
	} {
		base, _ := fakeBedrock(t, tc.status, tc.header, []byte(tc.body))
		p := newTestBedrock(t, bedrockConfig(base))
		_, err := p.Chat(context.Background(), Call{Model: "amazon.nova-lite-v1:0", Body: []byte(`{}`)})
		var fe *failure.Error
		if !errors.As(err, &fe) || fe.Kind != failure.Status || fe.Status != tc.status || fe.Upstream.Code != tc.code || fe.Upstream.Message != tc.message {
			t.Errorf("%d %s: %#v", tc.status, tc.body, err)
		}
		if tc.code == "" && (fe == nil || fe.Err == nil || strings.Contains(fe.Error(), "unavailable")) {
			t.Errorf("a non-JSON body must not be passed on: %v", err)
		}
	}
}

func TestBedrockStreamIsReframed(t *testing.T) {
	var raw bytes.Buffer
	enc := eventstream.NewEncoder()
	for _, ev := range []string{`{"type":"message_start","message":{}}`, `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}`} {
		if err := enc.Encode(&raw, bedrock.ChunkMessage([]byte(ev))); err != nil {
			t.Fatal(err)
		}
	}
	good := raw.Bytes()
	base, got := fakeBedrock(t, 200, http.Header{"Content-Type": {"application/vnd.amazon.eventstream"}}, good)
	p := newTestBedrock(t, bedrockConfig(base))
	resp, err := p.Chat(context.Background(), Call{Model: "us.anthropic.claude-haiku-4-5-v1:0", Body: []byte(`{"stream":true}`), Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	sse, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Header.Get("Content-Type") != "text/event-stream" ||
		string(sse) != "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n" {
		t.Fatalf("%s %q, %v", resp.Header.Get("Content-Type"), sse, err)
	}
	if s := <-got; !strings.HasSuffix(s.uri, "/invoke-with-response-stream") || s.header.Get("Accept") != "application/vnd.amazon.eventstream" {
		t.Fatalf("request %s accept %q", s.uri, s.header.Get("Accept"))
	}
	// A broken checksum is a malformed answer.
	bad := bytes.Clone(good)
	bad[len(bad)-1] ^= 1
	base, _ = fakeBedrock(t, 200, http.Header{"Content-Type": {"application/vnd.amazon.eventstream"}}, bad)
	p = newTestBedrock(t, bedrockConfig(base))
	resp, err = p.Chat(context.Background(), Call{Model: "us.anthropic.claude-haiku-4-5-v1:0", Body: []byte(`{}`), Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	var fe *failure.Error
	if !errors.As(err, &fe) || fe.Kind != failure.Malformed {
		t.Fatalf("broken frame: %v", err)
	}
	// A stream answered as JSON is malformed too.
	base, _ = fakeBedrock(t, 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{}`))
	p = newTestBedrock(t, bedrockConfig(base))
	if _, err = p.Chat(context.Background(), Call{Model: "amazon.nova-pro-v1:0", Body: []byte(`{}`), Stream: true}); !errors.As(err, &fe) || fe.Kind != failure.Malformed {
		t.Fatalf("JSON for a stream: %v", err)
	}
}
