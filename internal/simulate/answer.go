package simulate

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/mock"
	"github.com/backstophq/backstop/internal/retry"
)

// forever stands for a time that never comes: an attempt that hangs with
// no timeout and no deadline to end it.
const forever = time.Duration(math.MaxInt64)

// connectRefused is how long a refused connection takes to fail.
const connectRefused = time.Millisecond

// providers holds each provider's fault as the timeline has set it, and
// draws, per attempt, whether a fault with a share applies.
type providers struct {
	baseline map[string]mock.Fault
	fault    map[string]*mock.Fault // the timeline's fault; nil: none
	draw     map[string]*rand.Rand
}

func newProviders(sc *Scenario, names []string) *providers {
	p := &providers{baseline: map[string]mock.Fault{}, fault: map[string]*mock.Fault{}, draw: map[string]*rand.Rand{}}
	for _, n := range names {
		p.baseline[n] = sc.Baseline
		if f, ok := sc.Providers[n]; ok {
			p.baseline[n] = f
		}
		h := fnv.New64a()
		_, _ = h.Write([]byte(n))
		p.draw[n] = rand.New(rand.NewPCG(sc.Seed, h.Sum64()))
	}
	return p
}

// apply plays one timeline step.
func (p *providers) apply(st mock.Step) {
	if st.Clear {
		p.fault[st.Provider] = nil
		return
	}
	f := *st.Fault
	p.fault[st.Provider] = &f
}

// next returns the fault one new attempt on provider meets. Like the
// mock, it draws for every attempt, fault or not, so one attempt's draw
// does not depend on earlier faults; a fault with a share applies to that
// share of attempts (Down to all of them), and the others meet the
// baseline. A fault's latency, ttft and tokens_per_second left at 0 are
// the baseline's.
func (p *providers) next(provider string) mock.Fault {
	base := p.baseline[provider]
	u := p.draw[provider].Float64()
	f := p.fault[provider]
	if f == nil || (!f.Down && u >= share(*f)) {
		return base
	}
	eff := *f
	if eff.Latency == 0 {
		eff.Latency = base.Latency
	}
	if eff.TTFT == 0 {
		eff.TTFT = base.TTFT
	}
	if eff.TokensPerSecond == 0 {
		eff.TokensPerSecond = base.TokensPerSecond
	}
	return eff
}

func share(f mock.Fault) float64 {
	if f.Share == 0 {
		return 1
	}
	return f.Share
}

// ending is how a committed answer ends.
type ending uint8

const (
	complete ending = iota // finish chunk and [DONE]
	cut                    // the connection breaks
	stall                  // the stream goes silent
)

// answer is what a provider does with one attempt under a fault, on the
// mock's terms (see mock.Fault), before any timeout of the gateway's.
type answer struct {
	// first is when, from the attempt's start, the first phase ends: the
	// first content chunk of a stream, or the headers of a non-streamed
	// answer (which come once it is complete); or the failure err. hang:
	// it never ends.
	first time.Duration
	hang  bool
	err   *failure.Error
	// bodyStall: a non-streamed answer's body stalls after its headers.
	bodyStall bool
	// A stream that reached content sends chunks content chunks pace
	// apart, the first at first, then ends as end says.
	chunks int
	pace   time.Duration
	end    ending
}

// shape returns how a provider under fault f answers a request for
// tokens content chunks, streamed or not; now is for Retry-After dates.
func shape(f mock.Fault, stream bool, tokens int, now time.Time) answer {
	switch {
	case f.Down:
		return answer{first: connectRefused, err: failure.Newf(failure.Connect, "connection refused (down)")}
	case f.Reset:
		return answer{first: f.Latency.D() + connectRefused, err: failure.Newf(failure.Connect, "connection reset")}
	case f.HangBeforeHeaders:
		return answer{hang: true}
	case f.Status != 0:
		return answer{first: f.Latency.D(), err: statusError(f, now)}
	}
	pace := time.Duration(0)
	if f.TokensPerSecond > 0 {
		pace = time.Duration(float64(time.Second) / f.TokensPerSecond)
	}
	head := f.Latency.D() + f.TTFT.D() // the role chunk of a stream
	after := f.HangAfterChunks
	if after == 0 {
		after = f.CutAfterChunks
	}
	if !stream {
		a := answer{first: head + time.Duration(tokens)*pace, chunks: tokens}
		switch {
		case f.Malformed:
			a.err = failure.Newf(failure.Malformed, "answer is not JSON")
		case f.CutAfterChunks != 0:
			a.err = failure.Newf(failure.StreamCut, "body cut")
		case f.HangAfterChunks != 0:
			a.bodyStall = true
		}
		return a
	}
	switch {
	case f.Malformed:
		return answer{first: head, err: failure.Newf(failure.Malformed, "stream event is not a chunk")}
	case after == mock.AfterRoleChunk && f.HangAfterChunks != 0:
		return answer{hang: true} // silent after the role chunk: no first token
	case after == mock.AfterRoleChunk:
		return answer{first: head, err: failure.Newf(failure.StreamCut, "stream cut before content")}
	}
	a := answer{first: head, chunks: tokens, pace: pace}
	if after > 0 {
		a.chunks = min(after, tokens)
		a.end = cut
		if f.HangAfterChunks != 0 {
			a.end = stall
		}
	}
	return a
}

// statusError is the failure a status fault gives, with the wait the
// provider asks for read by the gateway's own parser from the headers the
// mock would send.
func statusError(f mock.Fault, now time.Time) *failure.Error {
	h := http.Header{}
	if f.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(ceilUnits(f.RetryAfter.D(), time.Second), 10))
	}
	if f.RetryAfterMs > 0 {
		h.Set("Retry-After-Ms", strconv.FormatInt(ceilUnits(f.RetryAfterMs.D(), time.Millisecond), 10))
	}
	return &failure.Error{Kind: failure.Status, Status: f.Status, RetryAfter: retry.ParseRetryAfter(h, now)}
}

func ceilUnits(d, unit time.Duration) int64 { return int64((d + unit - 1) / unit) }

// course is an attempt as the gateway sees it: the provider's answer cut
// short by the attempt's timeouts and the request's deadline. Times are
// from the attempt's start; forever means never.
type course struct {
	// first is when the first phase ends, with err nil when it reached
	// content (the whole answer, when not streamed). first is forever
	// when nothing ends it; the attempt then never settles.
	first time.Duration
	err   *failure.Error
	// end is when a committed answer is over, with endErr nil when the
	// client got all of it. For a non-streamed answer end is first.
	end    time.Duration
	endErr *failure.Error
	// chunks is the content chunks the client got.
	chunks int
}

// limits are what bounds one attempt.
type limits struct {
	firstToken time.Duration // 0: none
	idle       time.Duration // 0: none
	remaining  time.Duration // of the total deadline; forever: none
}

// run applies l to a: the first-token (or response) watchdog until the
// first phase ends, then the idle one between chunks, and the deadline
// throughout. The watchdog wins a tie with the deadline, as the gateway
// checks it first.
func (a answer) run(l limits, stream bool) course {
	c := course{first: a.first, err: a.err, chunks: a.chunks}
	if a.hang {
		c.first = forever
	}
	if l.firstToken > 0 && c.first > l.firstToken {
		c.first, c.err = l.firstToken, failure.Newf(failure.Timeout, "no first token in %s", l.firstToken)
	} else if a.bodyStall && c.err == nil {
		c.first, c.err = after(c.first, l.idle), failure.Newf(failure.Idle, "body stalled")
	}
	if c.first > l.remaining {
		return course{first: l.remaining, err: failure.Newf(failure.Deadline, "deadline"), end: l.remaining}
	}
	if c.err != nil || !stream {
		c.end = c.first
		return c
	}
	switch {
	case a.chunks > 1 && l.idle > 0 && a.pace > l.idle:
		c.end, c.endErr, c.chunks = c.first+l.idle, failure.Newf(failure.Idle, "chunks %s apart", a.pace), 1
	default:
		c.end = c.first + time.Duration(a.chunks-1)*a.pace
		switch a.end {
		case cut:
			c.endErr = failure.Newf(failure.StreamCut, "stream cut after %d chunks", a.chunks)
		case stall:
			c.end, c.endErr = after(c.end, l.idle), failure.Newf(failure.Idle, "stream stalled after %d chunks", a.chunks)
		}
	}
	if c.end > l.remaining {
		c.end, c.endErr = l.remaining, failure.Newf(failure.Deadline, "deadline")
	}
	return c
}

// after is t plus an idle timeout d, or forever when there is none.
func after(t, d time.Duration) time.Duration {
	if d <= 0 {
		return forever
	}
	return t + d
}
