package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/backstophq/backstop/internal/bedrock"
	"github.com/backstophq/backstop/internal/failure"
)

// embedParallel bounds the InvokeModel calls one batch of Titan
// embeddings makes at once: enough to hide most of a batch's latency,
// few enough that one client's batch does not use up the account's
// request quota.
const embedParallel = 4

// maxEmbedAnswer bounds one embeddings answer read into memory.
const maxEmbedAnswer = 16 << 20

// embed invokes an embeddings model (amazon.titan-embed-*,
// cohere.embed-*), never streamed. Titan embeds one text a call, so the
// gateway sends a batch as a JSON array of Titan bodies: each is its own
// InvokeModel call, at most embedParallel at once, and the answer is the
// JSON array of their answers, in order. The first call to fail fails
// the batch (the others are cancelled): a batch is served whole or not
// at all, so that it can fail over whole.
func (p *Bedrock) embed(ctx context.Context, call Call) (*http.Response, error) {
	if !bedrock.IsEmbeddingsModel(call.Model) {
		return nil, ErrUnsupported
	}
	body := bytes.TrimSpace(call.Body)
	if len(body) == 0 || body[0] != '[' {
		return p.send(ctx, call.Model, "/invoke", call.Body, call.Header, false)
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(body, &parts); err != nil || len(parts) == 0 {
		return nil, failure.Newf(failure.Malformed, "bedrock: an embeddings batch is not a non-empty JSON array")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	answers := make([][]byte, len(parts))
	var mu sync.Mutex
	var failed error // the first failure in time: later ones may be its cancellation
	sem := make(chan struct{}, embedParallel)
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return // another call failed, or the caller left
			}
			defer func() { <-sem }()
			a, err := p.invokeOne(ctx, call, part)
			if err != nil {
				mu.Lock()
				if failed == nil {
					failed = err
				}
				mu.Unlock()
				cancel()
			}
			answers[i] = a
		}()
	}
	wg.Wait()
	if failed != nil {
		return nil, failed
	}
	if err := ctx.Err(); err != nil {
		return nil, failure.New(failure.Canceled, err)
	}
	out := make([]byte, 0, 2+len(answers)*len(answers[0]))
	out = append(out, '[')
	for i, a := range answers {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, a...)
	}
	out = append(out, ']')
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(out))}},
		Body:          io.NopCloser(bytes.NewReader(out)),
		ContentLength: int64(len(out)),
	}, nil
}

// invokeOne makes one call of a batch and reads its answer.
func (p *Bedrock) invokeOne(ctx context.Context, call Call, body []byte) ([]byte, error) {
	resp, err := p.send(ctx, call.Model, "/invoke", body, call.Header, false)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxEmbedAnswer+1))
	switch {
	case err != nil:
		return nil, failure.New(failure.StreamCut, err)
	case len(b) > maxEmbedAnswer:
		return nil, failure.Newf(failure.Malformed, "bedrock: embeddings answer over %d bytes", maxEmbedAnswer)
	case !json.Valid(b):
		return nil, failure.Newf(failure.Malformed, "bedrock: embeddings answer of %d bytes is not JSON", len(b))
	}
	return b, nil
}
