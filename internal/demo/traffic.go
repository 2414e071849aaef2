package demo

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// traffic sends requests at a fixed rate (open loop: a slow answer does
// not slow the next request down) and tallies what came back each second.
type traffic struct {
	base   string
	rate   int
	client *http.Client

	mu  sync.Mutex
	cur second
	wg  sync.WaitGroup
}

// second is what clients saw in one second.
type second struct {
	requests, errors int
	// busy counts answers that were the route's on_exhausted message:
	// valid answers, but no model's.
	busy      int
	served    map[string]int // by target
	latencies []time.Duration
}

func newTraffic(base string, rate int) *traffic {
	return &traffic{
		base:   base,
		rate:   rate,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}},
		cur:    second{served: map[string]int{}},
	}
}

func (t *traffic) run(ctx context.Context) {
	interval := time.Second / time.Duration(t.rate)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			t.wg.Add(1)
			go t.one(n%2 == 1)
		}
	}
}

// wait waits for requests in flight.
func (t *traffic) wait() { t.wg.Wait() }

func (t *traffic) one(stream bool) {
	defer t.wg.Done()
	body := `{"model":"smart","messages":[{"role":"user","content":"Summarise the news in one line."}]`
	if stream {
		body += `,"stream":true`
	}
	body += "}"
	start := time.Now()
	// Each request gets its own deadline, not the demo's: requests that
	// are in flight when the demo ends still finish and count.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, t.base+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	ok, busy, target := false, false, "-"
	if err == nil {
		b, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		ok = rerr == nil && resp.StatusCode == http.StatusOK && answered(b, stream)
		target = resp.Header.Get("X-Backstop-Target")
		busy = resp.Header.Get("X-Backstop-Exhausted") != ""
	}
	t.record(ok, busy, target, time.Since(start))
}

// answered reports whether a 200 body is a whole answer: a completion, or
// a stream that ended with [DONE] and carried no error event.
func answered(b []byte, stream bool) bool {
	if !stream {
		return bytes.Contains(b, []byte(`"choices"`))
	}
	return bytes.HasSuffix(b, []byte("data: [DONE]\n\n")) && !bytes.Contains(b, []byte(`data: {"error"`))
}

func (t *traffic) record(ok, busy bool, target string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cur.requests++
	switch {
	case !ok:
		t.cur.errors++
	case busy:
		t.cur.busy++
	}
	t.cur.served[target]++
	t.cur.latencies = append(t.cur.latencies, d)
}

// snapshot returns what happened since the last snapshot and starts over.
func (t *traffic) snapshot() second {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.cur
	t.cur = second{served: map[string]int{}}
	return s
}

// percentile returns the p-th percentile (0-100) of ds, sorting it.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(float64(len(ds)-1) * p / 100)
	return ds[i]
}
