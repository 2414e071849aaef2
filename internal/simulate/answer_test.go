package simulate

import (
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/mock"
)

const ms = time.Millisecond

// TestSimulateAnswerCourse checks, fault by fault, when an attempt's first phase
// and its answer end, and how, under the gateway's timeouts.
func TestSimulateAnswerCourse(t *testing.T) {
	paced := mock.Fault{Latency: mock.Duration(100 * ms), TTFT: mock.Duration(50 * ms), TokensPerSecond: 100}
	with := func(f mock.Fault) mock.Fault {
		f.Latency, f.TTFT, f.TokensPerSecond = paced.Latency, paced.TTFT, paced.TokensPerSecond
		return f
	}
	roomy := limits{firstToken: 2 * time.Second, idle: time.Second, remaining: 30 * time.Second}
	for _, tc := range []struct {
		name          string
		f             mock.Fault
		stream        bool
		l             limits
		first         time.Duration
		err           failure.Kind // 0: content
		end           time.Duration
		endErr        failure.Kind
		wantChunksSet bool
		chunks        int
	}{
		{name: "stream", f: paced, stream: true, l: roomy, first: 150 * ms, end: 150*ms + 19*10*ms},
		{name: "not streamed: headers when the answer is whole", f: paced, l: roomy, first: 350 * ms, end: 350 * ms},
		{name: "down", f: mock.Fault{Down: true}, stream: true, l: roomy, first: ms, err: failure.Connect, end: ms},
		{name: "reset after latency", f: with(mock.Fault{Reset: true}), stream: true, l: roomy, first: 101 * ms, err: failure.Connect, end: 101 * ms},
		{name: "status after latency", f: with(mock.Fault{Status: 503}), stream: true, l: roomy, first: 100 * ms, err: failure.Status, end: 100 * ms},
		{name: "hang: first-token timeout", f: mock.Fault{HangBeforeHeaders: true}, stream: true, l: roomy, first: 2 * time.Second, err: failure.Timeout, end: 2 * time.Second},
		{name: "hang, not streamed: response timeout", f: mock.Fault{HangBeforeHeaders: true}, l: limits{firstToken: 5 * time.Second, remaining: forever}, first: 5 * time.Second, err: failure.Timeout, end: 5 * time.Second},
		{name: "hang without timeout: the deadline", f: mock.Fault{HangBeforeHeaders: true}, stream: true, l: limits{remaining: 7 * time.Second}, first: 7 * time.Second, err: failure.Deadline, end: 7 * time.Second},
		{name: "hang with nothing to end it", f: mock.Fault{HangBeforeHeaders: true}, stream: true, l: limits{remaining: forever}, first: forever, end: forever},
		{name: "slow first token", f: mock.Fault{TTFT: mock.Duration(3 * time.Second)}, stream: true, l: roomy, first: 2 * time.Second, err: failure.Timeout, end: 2 * time.Second},
		{name: "timeout wins a tie with the deadline", f: mock.Fault{HangBeforeHeaders: true}, stream: true, l: limits{firstToken: 2 * time.Second, remaining: 2 * time.Second}, first: 2 * time.Second, err: failure.Timeout, end: 2 * time.Second},
		{name: "malformed stream after the role chunk", f: with(mock.Fault{Malformed: true}), stream: true, l: roomy, first: 150 * ms, err: failure.Malformed, end: 150 * ms},
		{name: "malformed body", f: with(mock.Fault{Malformed: true}), l: roomy, first: 350 * ms, err: failure.Malformed, end: 350 * ms},
		{name: "cut before content fails over", f: with(mock.Fault{CutAfterChunks: mock.AfterRoleChunk}), stream: true, l: roomy, first: 150 * ms, err: failure.StreamCut, end: 150 * ms},
		{name: "silent before content", f: with(mock.Fault{HangAfterChunks: mock.AfterRoleChunk}), stream: true, l: roomy, first: 2 * time.Second, err: failure.Timeout, end: 2 * time.Second},
		{name: "cut after commit", f: with(mock.Fault{CutAfterChunks: 5}), stream: true, l: roomy, first: 150 * ms, end: 150*ms + 4*10*ms, endErr: failure.StreamCut, wantChunksSet: true, chunks: 5},
		{name: "cut past the answer's end", f: with(mock.Fault{CutAfterChunks: 50}), stream: true, l: roomy, first: 150 * ms, end: 150*ms + 19*10*ms, endErr: failure.StreamCut, wantChunksSet: true, chunks: 20},
		{name: "silent after commit: idle timeout", f: with(mock.Fault{HangAfterChunks: 3}), stream: true, l: roomy, first: 150 * ms, end: 150*ms + 2*10*ms + time.Second, endErr: failure.Idle},
		{name: "body stalls: idle timeout before commit", f: with(mock.Fault{HangAfterChunks: 3}), l: roomy, first: 350*ms + time.Second, err: failure.Idle, end: 350*ms + time.Second},
		{name: "body cut", f: with(mock.Fault{CutAfterChunks: 3}), l: roomy, first: 350 * ms, err: failure.StreamCut, end: 350 * ms},
		{name: "chunks further apart than idle", f: mock.Fault{TokensPerSecond: 0.5}, stream: true, l: roomy, first: 0, end: time.Second, endErr: failure.Idle, wantChunksSet: true, chunks: 1},
		{name: "deadline after commit", f: paced, stream: true, l: limits{firstToken: time.Second, remaining: 200 * ms}, first: 150 * ms, end: 200 * ms, endErr: failure.Deadline},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := shape(tc.f, tc.stream, 20, epoch).run(tc.l, tc.stream)
			if c.first != tc.first || kind(c.err) != tc.err {
				t.Errorf("first phase: %v %v, want %v %v", c.first, c.err, tc.first, tc.err)
			}
			if c.end != tc.end || kind(c.endErr) != tc.endErr {
				t.Errorf("end: %v %v, want %v %v", c.end, c.endErr, tc.end, tc.endErr)
			}
			if tc.wantChunksSet && c.chunks != tc.chunks {
				t.Errorf("chunks %d, want %d", c.chunks, tc.chunks)
			}
		})
	}
}

func kind(e *failure.Error) failure.Kind {
	if e == nil {
		return 0
	}
	return e.Kind
}

// TestSimulateStatusRetryAfter checks that a status fault's wait reaches the
// failure as the gateway's header parser reads it: retry-after-ms first,
// both rounded up as the mock sends them.
func TestSimulateStatusRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		f    mock.Fault
		want time.Duration
	}{
		{mock.Fault{Status: 429}, 0},
		{mock.Fault{Status: 429, RetryAfter: mock.Duration(1500 * ms)}, 2 * time.Second},
		{mock.Fault{Status: 429, RetryAfterMs: mock.Duration(250 * time.Microsecond)}, ms},
		{mock.Fault{Status: 503, RetryAfter: mock.Duration(9 * time.Second), RetryAfterMs: mock.Duration(300 * ms)}, 300 * ms},
	} {
		e := statusError(tc.f, epoch)
		if e.Kind != failure.Status || e.Status != tc.f.Status || e.RetryAfter != tc.want {
			t.Errorf("%s: %+v, want status %d retry after %s", tc.f, e, tc.f.Status, tc.want)
		}
	}
}

// TestSimulateProvidersShare checks the draw of a fault with a share: about that
// share of attempts meet it, the rest meet the baseline, a fault's unset
// timing is the baseline's, Down ignores the share, and clear restores
// the baseline.
func TestSimulateProvidersShare(t *testing.T) {
	base := mock.Fault{Latency: mock.Duration(100 * ms), TTFT: mock.Duration(20 * ms)}
	sc := &Scenario{Seed: 7, Baseline: base, Providers: map[string]mock.Fault{"slow": {Latency: mock.Duration(time.Second)}}}
	p := newProviders(sc, []string{"a", "slow"})
	if got := p.next("slow"); got.Latency.D() != time.Second {
		t.Errorf("per-provider baseline: %s", got)
	}
	p.apply(mock.Step{Provider: "a", Fault: &mock.Fault{Status: 500, Share: 0.3}})
	hit := 0
	for range 10000 {
		f := p.next("a")
		switch f {
		case base:
		case mock.Fault{Status: 500, Share: 0.3, Latency: base.Latency, TTFT: base.TTFT}:
			hit++
		default:
			t.Fatalf("unexpected fault %s", f)
		}
	}
	if hit < 2800 || hit > 3200 {
		t.Errorf("share 0.3 applied to %d of 10000 attempts", hit)
	}
	p.apply(mock.Step{Provider: "a", Fault: &mock.Fault{Down: true, Share: 0.01}})
	for range 100 {
		if !p.next("a").Down {
			t.Fatal("down spared an attempt")
		}
	}
	p.apply(mock.Step{Provider: "a", Clear: true})
	if got := p.next("a"); got != base {
		t.Errorf("after clear: %s", got)
	}
}
