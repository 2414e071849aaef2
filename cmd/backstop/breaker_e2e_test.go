package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/mock"
)

// load sends requests to route at a steady rate until Stop, counting
// client-visible errors.
type load struct {
	sent, failed atomic.Int64
	wg           sync.WaitGroup
	stop         chan struct{}
	once         sync.Once
}

// Stop ends the load and waits for its requests to finish. It may be
// called more than once; the test's cleanup calls it too.
func (l *load) Stop() {
	l.once.Do(func() { close(l.stop) })
	l.wg.Wait()
}

func (e *e2e) steadyLoad(route string, perSecond int) *load {
	l := &load{stop: make(chan struct{})}
	e.t.Cleanup(l.Stop)
	stop := l.stop
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		tick := time.NewTicker(time.Second / time.Duration(perSecond))
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				l.sent.Add(1)
				if _, err := e.client.Chat.Completions.New(ctx, chatParams(route, "hi")); err != nil {
					l.failed.Add(1)
				}
			}()
		}
	}()
	return l
}

// TestBreakerTakesAHangingPrimaryOutOfTraffic checks the promise of the
// breaker: when the primary starts hanging, it stops receiving traffic
// within 2 s, clients see no error, and after the cooldown a probe brings
// it back once it is healthy again.
func TestBreakerTakesAHangingPrimaryOutOfTraffic(t *testing.T) {
	e := newE2E(t)
	l := e.steadyLoad("guarded", 40)
	if err := e.a.WaitRequests(e.ctx(), 20); err != nil {
		t.Fatal(err)
	}
	outage := time.Now()
	e.fault(e.a, mock.Fault{HangBeforeHeaders: true})
	waitFor(t, func() bool { return e.metric("backstop_breaker_state", `route="guarded"`, `target="ta"`) == 2 })
	// While the breaker is open, a gets nothing: let 20 more requests
	// through (half a second, inside the cooldown), then find the last
	// request a received and how long after the outage that was.
	served := e.b.Stats().Requests
	if err := e.b.WaitRequests(e.ctx(), served+20); err != nil {
		t.Fatal(err)
	}
	var last time.Time
	for _, r := range e.a.Stats().Recent {
		if r.Time.After(last) {
			last = r.Time
		}
	}
	cutoff := last.Sub(outage)
	t.Logf("the primary's last request came %v after the outage began", cutoff.Round(time.Millisecond))
	if cutoff > 2*time.Second {
		t.Errorf("the primary still received traffic %v after the outage", cutoff)
	}
	// Recovery: clear the fault; after the cooldown a probe succeeds and
	// the breaker closes.
	e.fault(e.a, mock.Fault{})
	e.a.ResetStats()
	waitFor(t, func() bool { return e.metric("backstop_breaker_state", `route="guarded"`, `target="ta"`) == 0 })
	if err := e.a.WaitRequests(e.ctx(), 10); err != nil {
		t.Fatalf("the primary did not get traffic back: %v", err)
	}
	l.Stop()
	if n := l.failed.Load(); n != 0 {
		t.Fatalf("%d of %d requests failed", n, l.sent.Load())
	}
	t.Logf("%d requests, none failed", l.sent.Load())
}

// TestDrillKeepsTheFallbackKnown sends a share of traffic to a route's
// fallback while its primary is healthy: the fallback's last success stays
// fresh, and when the fallback breaks, metrics show it while clients see
// nothing.
func TestDrillKeepsTheFallbackKnown(t *testing.T) {
	e := newE2E(t)
	const n = 100
	send := func() (failed int) {
		for i := 0; i < n; i++ {
			if _, err := e.client.Chat.Completions.New(e.ctx(), chatParams("drilled", "hi")); err != nil {
				failed++
			}
		}
		return failed
	}
	if failed := send(); failed != 0 {
		t.Fatalf("%d requests failed", failed)
	}
	drills := e.metric("backstop_drills_total", `route="drilled"`, `target="tc"`, `result="ok"`)
	if drills < 5 || drills > 40 || int64(drills) != e.c.Stats().Requests {
		t.Fatalf("%v drills served by tc (c saw %d requests) of %d requests at 20%%", drills, e.c.Stats().Requests, n)
	}
	if age := e.metric("backstop_target_last_success_age_seconds", `target="tc"`); age > 5 {
		t.Fatalf("tc's last success is %vs old", age)
	}
	// The fallback breaks while the primary is healthy.
	e.fault(e.c, mock.Fault{Status: 503})
	if failed := send(); failed != 0 {
		t.Fatalf("%d requests failed while only the fallback was broken", failed)
	}
	broken := e.metric("backstop_drills_total", `route="drilled"`, `target="tc"`, `result="503"`)
	if broken < 5 {
		t.Fatalf("%v failed drills counted", broken)
	}
	if e.metric("backstop_attempts_total", `route="drilled"`, `target="tc"`, `result="503"`) != broken {
		t.Fatal("the fallback's failures are not in attempts_total")
	}
	t.Logf("drills: %v ok, then %v failed with 503 while the primary served every request", drills, broken)
}

// TestHedgingCutsTheSlowTail sends the same traffic to two routes over a
// primary whose slowest tenth of answers take a second: one route hedges
// after 150ms, the other does not. The hedged route's p99 must be far
// below the other's.
func TestHedgingCutsTheSlowTail(t *testing.T) {
	e := newE2E(t)
	e.fault(e.a, mock.Fault{Latency: mock.Duration(time.Second), Share: 0.1})
	p99 := func(route string) time.Duration {
		const n, workers = 60, 6
		took := make([]time.Duration, n)
		var wg sync.WaitGroup
		next := atomic.Int64{}
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := next.Add(1) - 1; i < n; i = next.Add(1) - 1 {
					start := time.Now()
					if _, err := e.client.Chat.Completions.New(e.ctx(), chatParams(route, "hi")); err != nil {
						t.Errorf("request %d: %v", i, err)
					}
					took[i] = time.Since(start)
				}
			}()
		}
		wg.Wait()
		slices.Sort(took)
		return took[n*99/100]
	}
	before, after := p99("tail"), p99("tail-hedged")
	t.Logf("p99 without hedging %v, with hedging after 150ms %v; hedges: %v won by the hedge, %v by the first",
		before.Round(time.Millisecond), after.Round(time.Millisecond),
		e.metric("backstop_hedges_total", `result="hedge_won"`), e.metric("backstop_hedges_total", `result="first_won"`))
	if before < 900*time.Millisecond {
		t.Fatalf("the unhedged p99 %v does not show the slow tail", before)
	}
	if after > before/2 {
		t.Fatalf("hedging did not cut the p99: %v → %v", before, after)
	}
}

// TestCutStreamContinuesOnAPrefillTarget kills a stream after three
// chunks: the route continues it on a target that takes an assistant
// prefill, and the client reads one stream whose text is the partial
// answer followed by the continuation, ending in one [DONE].
func TestCutStreamContinuesOnAPrefillTarget(t *testing.T) {
	e := newE2E(t)
	e.fault(e.a, mock.Fault{CutAfterChunks: 3})
	acc := streamed(t, e.client.Chat.Completions.NewStreaming(e.ctx(), chatParams("continued", "tell me a story")))
	got := acc.Choices[0].Message.Content
	e.fault(e.a, mock.Fault{})

	// What c was asked: the conversation plus a's partial answer.
	rec := e.c.Stats().Recent
	if len(rec) != 1 {
		t.Fatalf("c got %d requests, want 1 continuation", len(rec))
	}
	var body struct {
		Messages []struct{ Role, Content string } `json:"messages"`
	}
	if err := json.Unmarshal(rec[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	last := body.Messages[len(body.Messages)-1]
	direct, err := e.directClient(e.a).Chat.Completions.New(e.ctx(), chatParams("model-a", "tell me a story"))
	if err != nil {
		t.Fatal(err)
	}
	if last.Role != "assistant" || last.Content == "" || !strings.HasPrefix(direct.Choices[0].Message.Content, last.Content) {
		t.Fatalf("continuation prefill %+v is not the start of a's answer %q", last, direct.Choices[0].Message.Content)
	}
	// c's own continuation, asked directly with the same body.
	resp, cont := e.postTo(e.c.URL()+"/chat/completions", rec[0].Body)
	if resp.StatusCode != 200 {
		t.Fatalf("direct continuation: %d", resp.StatusCode)
	}
	if want := last.Content + streamText(t, cont); got != want {
		t.Fatalf("client read\n%q\nwant partial + continuation\n%q", got, want)
	}
	if n := e.metric("backstop_continuations_total", `from="ta"`, `to="tc"`, `result="ok"`); n != 1 {
		t.Fatalf("continuations ok = %v", n)
	}
	// Raw bytes: one [DONE], no error event.
	e.fault(e.a, mock.Fault{CutAfterChunks: 3})
	_, raw := e.post("/v1/chat/completions", "application/json", `{"model":"continued","stream":true,"messages":[{"role":"user","content":"x"}]}`, nil)
	if strings.Count(string(raw), "data: [DONE]") != 1 || strings.Contains(string(raw), `"error"`) {
		t.Fatalf("continued stream:\n%s", raw)
	}
}

// TestLatencyOverSLAShiftsWeightsInSteps slows the primary of a weighted
// 70/30 route past its latency SLA, with no errors at all, and watches the
// live weight in /metrics: it must fall to 0 in steps of at most
// max_step × base (14) per update, never in one jump; and once the primary
// is fast again, climb back to 70 the same way.
func TestLatencyOverSLAShiftsWeightsInSteps(t *testing.T) {
	e := newE2E(t)
	l := e.steadyLoad("shifting", 40)
	// read returns ta's live weight and the table version, from one
	// scrape, so that a slow scrape that saw two updates is judged as two.
	read := func() (weight, version float64) {
		for range 50 {
			text := e.scrape()
			w, found := valueIn(text, "backstop_target_weight", `route="shifting"`, `target="ta"`)
			if found {
				v, _ := valueIn(text, "backstop_routing_table_version")
				return w, v
			}
			t.Log("a scrape without ta's weight")
		}
		t.Fatal("ta's weight is not in /metrics")
		return 0, 0
	}
	weight := func() float64 { w, _ := read(); return w }
	// watch records ta's weight until it reaches goal, and checks that it
	// moved by at most one step (14) per table update between two scrapes.
	watch := func(goal float64) []float64 {
		prev, prevVersion := read()
		seen := []float64{prev}
		deadline := time.Now().Add(20 * time.Second)
		for prev != goal && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond) // a scrape interval, not a synchronisation
			w, v := read()
			if d := w - prev; d > 14*(v-prevVersion)+1e-9 || -d > 14*(v-prevVersion)+1e-9 {
				t.Fatalf("weight moved %v → %v over %v table updates", prev, w, v-prevVersion)
			}
			if w != prev {
				seen = append(seen, w)
			}
			prev, prevVersion = w, v
		}
		if prev != goal {
			t.Fatalf("weight did not reach %v: %v", goal, seen)
		}
		if len(seen) < 3 {
			t.Fatalf("only %d distinct weights on the way: %v", len(seen), seen)
		}
		return seen
	}
	waitFor(t, func() bool { return weight() == 70 })
	e.fault(e.a, mock.Fault{Latency: mock.Duration(500 * time.Millisecond)})
	t.Logf("ta's live weight while slow: %v", watch(0))
	e.fault(e.a, mock.Fault{})
	t.Logf("ta's live weight on recovery: %v", watch(70))
	if n := l.failed.Load(); n != 0 {
		t.Fatalf("%d requests failed", n)
	}
}

// TestFlappingPrimaryMovesWithinBounds switches the primary between slow
// and fast every half second for five seconds: its live weight may move
// by at most one step (14) per update, whatever the flapping.
func TestFlappingPrimaryMovesWithinBounds(t *testing.T) {
	e := newE2E(t)
	l := e.steadyLoad("shifting", 40)
	// Weight and table version come from one scrape, so they agree.
	read := func() (weight, version float64) {
		text := e.scrape()
		weight, _ = valueIn(text, "backstop_target_weight", `route="shifting"`, `target="ta"`)
		version, _ = valueIn(text, "backstop_routing_table_version")
		return weight, version
	}
	prev, prevVersion := read()
	var seen []float64
	for i := 0; i < 100; i++ {
		if i%10 == 0 {
			slow := mock.Fault{}
			if i%20 == 0 {
				slow.Latency = mock.Duration(500 * time.Millisecond)
			}
			e.fault(e.a, slow)
		}
		time.Sleep(50 * time.Millisecond) // a scrape interval, not a synchronisation
		w, v := read()
		// Updates come every 200ms; between two scrapes at most
		// (v - prevVersion) of them happened.
		if d := w - prev; d > 14*(v-prevVersion)+1e-9 || -d > 14*(v-prevVersion)+1e-9 {
			t.Fatalf("weight moved %v → %v over %v updates", prev, w, v-prevVersion)
		}
		if w != prev {
			seen = append(seen, w)
		}
		prev, prevVersion = w, v
	}
	t.Logf("ta's live weight while flapping: %v", seen)
	if n := l.failed.Load(); n != 0 {
		t.Fatalf("%d requests failed", n)
	}
}
