package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/backstophq/backstop/internal/bedrock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/failure"
)

// Bedrock is AWS Bedrock Runtime. It speaks two dialects, chosen per
// model (see DialectFor): Anthropic Messages through InvokeModel and
// InvokeModelWithResponseStream for Anthropic's models, and Converse
// through Converse and ConverseStream for every other model. Requests are
// signed with SigV4 (service "bedrock") unless the provider has a Bedrock
// API key, which is sent as a bearer token instead. Streams, which Bedrock
// sends as AWS event streams, are handed to the gateway re-framed as
// server-sent events (see internal/bedrock).
type Bedrock struct {
	*endpoint
	region string
	// creds is nil when the provider authenticates with API keys.
	creds  aws.CredentialsProvider
	signer *v4.Signer
	// now is the signing clock.
	now func() time.Time
}

var _ Provider = (*Bedrock)(nil)

// BedrockAnthropicVersion is the anthropic_version an InvokeModel body
// for an Anthropic model must carry.
const BedrockAnthropicVersion = "bedrock-2023-05-31"

// eventStreamType is the Content-Type of Bedrock's streamed answers.
const eventStreamType = "application/vnd.amazon.eventstream"

// The dialects a Bedrock provider speaks, as dialect.For names them.
const (
	dialectAnthropic = "anthropic"
	dialectConverse  = "converse"
)

// NewBedrock builds the adapter for provider name from its config. Without
// an API key or static keys, credentials come from the AWS SDK's default
// chain, resolved on first use and cached until they expire.
func NewBedrock(name string, c *config.Provider, userAgent string) (*Bedrock, error) {
	e, err := newEndpoint(name, c, "", userAgent, func(k string) string { return "Bearer " + k })
	if err != nil {
		return nil, err
	}
	p := &Bedrock{endpoint: e, region: c.Region, signer: v4.NewSigner(), now: time.Now}
	switch {
	case len(e.keys) > 0:
	case c.AccessKeyID != "":
		p.creds = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			c.AccessKeyID.Value(), c.SecretAccessKey.Value(), c.SessionToken.Value()))
	default:
		cfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithRegion(c.Region))
		if err != nil {
			return nil, fmt.Errorf("providers.%s: loading the AWS default credential chain: %w", name, err)
		}
		p.creds = cfg.Credentials
	}
	return p, nil
}

// Dialect returns "converse": the dialect of a model that is not known
// to be Anthropic's. DialectFor is what the router asks.
func (p *Bedrock) Dialect() string { return dialectConverse }

// DialectFor returns "anthropic" for Anthropic's models (see
// bedrock.IsAnthropic), which are called through InvokeModel, and
// "converse" for every other model.
func (p *Bedrock) DialectFor(model string) string {
	if bedrock.IsAnthropic(model) {
		return dialectAnthropic
	}
	return dialectConverse
}

// Chat posts body to {base_url}/model/{model}/{operation}: invoke or
// invoke-with-response-stream for an Anthropic model, after InvokeBody
// rewrites it, and converse or converse-stream otherwise. A 2xx stream's
// body yields server-sent events. An embeddings call is an invoke of an
// embeddings model (see embed).
func (p *Bedrock) Chat(ctx context.Context, call Call) (*http.Response, error) {
	if call.Embeddings {
		return p.embed(ctx, call)
	}
	invoke := bedrock.IsAnthropic(call.Model)
	body := call.Body
	var op string
	switch {
	case invoke && call.Stream:
		op = "/invoke-with-response-stream"
	case invoke:
		op = "/invoke"
	case call.Stream:
		op = "/converse-stream"
	default:
		op = "/converse"
	}
	if invoke {
		var err error
		if body, err = InvokeBody(body, call.Header.Values("Anthropic-Beta")); err != nil {
			return nil, failure.New(failure.Malformed, err)
		}
	}
	resp, err := p.send(ctx, call.Model, op, body, call.Header, call.Stream)
	if err != nil || !call.Stream {
		return resp, err
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != eventStreamType {
		resp.Body.Close()
		return nil, failure.Newf(failure.Malformed, "stream answered with Content-Type %q", resp.Header.Get("Content-Type"))
	}
	kind := bedrock.ConverseStream
	if invoke {
		kind = bedrock.InvokeStream
	}
	resp.Body = &reframedBody{rd: bedrock.NewReframer(resp.Body, kind), closer: resp.Body}
	resp.Header.Set("Content-Type", "text/event-stream")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	return resp, nil
}

// send posts body to {base_url}/model/{model}{op}, authorized, and
// returns a 2xx answer open; any other status is a typed failure.
func (p *Bedrock) send(ctx context.Context, model, op string, body []byte, header http.Header, stream bool) (*http.Response, error) {
	req, release, err := newPost(ctx, p.url+"/model/"+EscapeModelID(model)+op, body)
	if err != nil {
		return nil, failure.New(failure.Connect, err)
	}
	p.setHeaders(req.Header, header, stream)
	if err := p.authorize(ctx, req, body); err != nil {
		return nil, err
	}
	resp, err := p.client.Do(req)
	release() // as in endpoint.post: a held stream need not keep the body
	if err != nil {
		return nil, failure.New(failure.Connect, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return nil, statusFailure(resp, func(b []byte) (failure.UpstreamError, bool) { return parseBedrockError(resp.Header, b) })
	}
	return resp, nil
}

// dropped are propagated headers that must not reach Bedrock: the client's
// credentials, which are never forwarded, and Anthropic's headers, which
// Bedrock takes in the body (anthropic-beta) or not at all.
var dropped = []string{"Authorization", "X-Api-Key", "Anthropic-Version", "Anthropic-Beta"}

// setHeaders fills h: the propagated headers, the configured ones, and
// the content types.
func (p *Bedrock) setHeaders(h, propagated http.Header, stream bool) {
	for k, v := range propagated {
		h[k] = v
	}
	for _, k := range dropped {
		h.Del(k)
	}
	for k, v := range p.headers {
		h[k] = v
	}
	h.Set("Content-Type", "application/json")
	if stream {
		h.Set("Accept", eventStreamType)
	} else {
		h.Set("Accept", "application/json")
	}
	if p.ua != "" {
		h.Set("User-Agent", p.ua)
	}
}

// authorize sets the bearer key, or signs req with SigV4 for the
// provider's region and service "bedrock". A failure to get credentials
// (an empty default chain, an expired SSO session) fails the attempt as
// a connect failure: the provider cannot be reached, and another target
// may serve.
func (p *Bedrock) authorize(ctx context.Context, req *http.Request, body []byte) error {
	if n := len(p.keys); n > 0 {
		req.Header.Set("Authorization", p.keys[int(p.next.Add(1)-1)%n])
		return nil
	}
	if p.creds == nil {
		return failure.Newf(failure.Connect, "bedrock: no AWS credentials")
	}
	creds, err := p.creds.Retrieve(ctx)
	if err != nil {
		return failure.Newf(failure.Connect, "bedrock: AWS credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := p.signer.SignHTTP(ctx, creds, req, hash, "bedrock", p.region, p.now()); err != nil {
		return failure.Newf(failure.Connect, "bedrock: signing: %w", err)
	}
	return nil
}

// EscapeModelID escapes a model id, inference profile id or ARN for the
// path, as the AWS SDK does: every byte but the unreserved ones (letters,
// digits, "-", ".", "_", "~") is percent-encoded, so ":" becomes %3A and
// an ARN's "/" %2F.
func EscapeModelID(id string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(id) + 16)
	for i := 0; i < len(id); i++ {
		c := id[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// InvokeBody turns an Anthropic Messages body into an InvokeModel body:
// without "model" and "stream" (the URL says both, and Bedrock refuses
// them as extraneous keys), with "anthropic_version" set to
// BedrockAnthropicVersion unless the body has one, and with the betas of
// the client's anthropic-beta headers (comma lists) added to its
// "anthropic_beta" array, which is where Bedrock takes them.
func InvokeBody(body []byte, betas []string) ([]byte, error) {
	var o map[string]json.RawMessage
	if err := json.Unmarshal(body, &o); err != nil || o == nil {
		return nil, fmt.Errorf("bedrock: the Anthropic body is not a JSON object")
	}
	delete(o, "model")
	delete(o, "stream")
	if _, ok := o["anthropic_version"]; !ok {
		o["anthropic_version"] = json.RawMessage(`"` + BedrockAnthropicVersion + `"`)
	}
	var list []string
	if raw, ok := o["anthropic_beta"]; ok {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("bedrock: anthropic_beta is not an array of strings")
		}
	}
	have := len(list)
	for _, h := range betas {
		for _, b := range strings.Split(h, ",") {
			if b = strings.TrimSpace(b); b != "" && !contains(list, b) {
				list = append(list, b)
			}
		}
	}
	if len(list) > have {
		o["anthropic_beta"], _ = json.Marshal(list)
	}
	return json.Marshal(o)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// parseBedrockError reads Bedrock's error: its exception from the
// X-Amzn-ErrorType header, else the body's "__type" or "code", and its
// message from the body's "message" (or "Message"). The exception's name
// goes in Code: it is Bedrock's, not a type of the clients' dialects.
func parseBedrockError(h http.Header, body []byte) (failure.UpstreamError, bool) {
	var b struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	jsonOK := json.Unmarshal(body, &b) == nil
	name := h.Get("X-Amzn-Errortype")
	if name == "" {
		name = b.Type
	}
	if name == "" {
		name = b.Code
	}
	var u failure.UpstreamError
	if e, ok := bedrock.LookupException(name); ok {
		u.Code = e.Name
	}
	u.Message = b.Message
	if u.Message == "" {
		u.Message = b.MessageU
	}
	return u, jsonOK && (u.Code != "" || u.Message != "")
}

// reframedBody is a stream's body: SSE bytes re-framed from the event
// stream, with a broken frame reported as a malformed answer. A stream cut
// short and the connection's own errors pass as they are, which the
// gateway takes for a cut stream.
type reframedBody struct {
	rd     *bedrock.Reframer
	closer io.Closer
}

func (b *reframedBody) Read(p []byte) (int, error) {
	n, err := b.rd.Read(p)
	if fe, ok := err.(*bedrock.FrameError); ok {
		err = &failure.Error{Kind: failure.Malformed, Err: fe}
	}
	return n, err
}

func (b *reframedBody) Close() error { return b.closer.Close() }
