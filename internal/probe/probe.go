package probe

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/backstophq/backstop/internal/dialect"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/provider"
	"github.com/backstophq/backstop/internal/sse"
)

// Header marks a probe request, with the value "1", so that providers'
// logs and the simulated providers can tell probes from traffic.
const Header = "X-Backstop-Probe"

const (
	// maxEvent bounds one event of a probe's stream: a one-token chunk is
	// a few hundred bytes.
	maxEvent = 64 << 10
	// maxDrain bounds what is read after the first content chunk, only
	// so that the connection can be reused.
	maxDrain = 64 << 10
	// maxEmbeddingsAnswer bounds an embeddings probe's answer: one vector
	// of a few thousand numbers.
	maxEmbeddingsAnswer = 1 << 20
)

// errTimeout is the cause of a probe's context when its timeout fired.
var errTimeout = errors.New("probe: timeout")

// probe sends one probe to t under ctx, bounded by t.Timeout, and records
// its outcome in t's health window, by the rules of a live attempt:
// success with its time to first token as both latency and TTFT, and a
// failure counted when failure.Error.CountsAgainstProvider says so (a
// timeout does). A probe cut short because ctx ended (the prober
// stopping) is not recorded.
func (p *Prober) probe(ctx context.Context, t *probed) Result {
	pctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := p.clock.AfterFunc(t.Timeout, func() { cancel(errTimeout) })
	defer timer.Stop()

	t.counts.sent.Add(1)
	start := p.clock.Now()
	ttft, err := p.send(pctx, t, start)
	// Cancel now, so that a timeout firing from here on cannot pass for
	// the cause of err.
	cancel(nil)
	r := Result{Target: t.target.Name, Start: start, Duration: p.clock.Now().Sub(start)}
	switch {
	case err == nil:
		r.Outcome = health.Outcome{Success: true, Counted: true, Latency: ttft, TTFT: ttft}
		t.counts.ok.Add(1)
	case errors.Is(context.Cause(pctx), errTimeout):
		r.Err = failure.New(failure.Timeout, err)
	case ctx.Err() != nil:
		r.Stopped = true
		return r
	default:
		r.Err = failure.As(err)
	}
	if r.Err != nil {
		r.Outcome = health.Outcome{Counted: r.Err.CountsAgainstProvider()}
		t.counts.failed.Add(1)
	}
	t.target.Health.Record(r.Outcome)
	return r
}

// send posts t's probe and reads its stream up to the first content
// chunk (text, a finish reason or usage; not the role-only preamble),
// and returns the time from start to that chunk. What follows it is read
// and dropped, up to maxDrain, so that the connection can be reused; it
// does not change the outcome. Failures are classified as the gateway
// classifies a streamed attempt's.
func (p *Prober) send(ctx context.Context, t *probed, start time.Time) (time.Duration, error) {
	if t.embeddings {
		return p.sendEmbeddings(ctx, t, start)
	}
	resp, err := t.target.Provider.Chat(ctx, provider.Call{Model: t.target.Model, Body: t.body, Stream: true, Header: http.Header{Header: {"1"}}})
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "text/event-stream" {
		return 0, failure.Newf(failure.Malformed, "probe answered with Content-Type %q", resp.Header.Get("Content-Type"))
	}
	rd := sse.NewReaderSize(resp.Body, maxEvent)
	for {
		ev, err := rd.Next()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, failure.New(failure.StreamCut, err)
		}
		if !ev.HasData {
			continue // a keep-alive comment
		}
		d := dialect.For(t.target.Speaks())
		switch d.Classify(ev) {
		case dialect.Preamble:
			continue
		case dialect.ErrorEvent:
			return 0, d.EventError(ev.Data)
		case dialect.Done:
			return 0, failure.Newf(failure.Malformed, "probe stream ended before any content")
		case dialect.Garbage:
			return 0, failure.Newf(failure.Malformed, "probe stream event is not of the provider's dialect")
		}
		ttft := p.clock.Now().Sub(start)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
		return ttft, nil
	}
}

// sendEmbeddings posts an embeddings model's probe, which is not
// streamed: its time to first token is the time to the whole answer,
// which must be JSON and not an error of the dialect's.
func (p *Prober) sendEmbeddings(ctx context.Context, t *probed, start time.Time) (time.Duration, error) {
	if t.body == nil {
		return 0, failure.Newf(failure.Malformed, "probe: no embeddings request for model %s", t.target.Model)
	}
	resp, err := t.target.Provider.Chat(ctx, provider.Call{Model: t.target.Model, Body: t.body, Embeddings: true, Header: http.Header{Header: {"1"}}})
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxEmbeddingsAnswer+1))
	switch {
	case err != nil:
		return 0, failure.New(failure.StreamCut, err)
	case len(body) > maxEmbeddingsAnswer || !json.Valid(body):
		return 0, failure.Newf(failure.Malformed, "probe: embeddings answer of %d bytes is not JSON", len(body))
	}
	if u, failed := dialect.For(t.target.Speaks()).BodyError(body); failed {
		return 0, &failure.Error{Kind: failure.Malformed, Upstream: u}
	}
	return p.clock.Now().Sub(start), nil
}
