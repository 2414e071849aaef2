package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/mock"
)

// TestSIGTERMLetsOpenStreamsFinish opens 100 streams that each take about
// two seconds, sends SIGTERM while they run, and checks that every one
// ends with its [DONE] and that the gateway then exits cleanly.
func TestSIGTERMLetsOpenStreamsFinish(t *testing.T) {
	e := newE2E(t)
	e.fault(e.a, mock.Fault{TokensPerSecond: 10})
	const n = 100
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	complete := make(chan bool, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/v1/chat/completions",
				strings.NewReader(`{"model":"main","stream":true,"messages":[{"role":"user","content":"tell me"}]}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				complete <- false
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			complete <- err == nil && strings.HasSuffix(string(body), "data: [DONE]\n\n")
		}()
	}
	// Every stream has reached the provider before the signal.
	if err := e.a.WaitRequests(e.ctx(), n); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(complete)
	done := 0
	for ok := range complete {
		if ok {
			done++
		}
	}
	if done != n {
		t.Fatalf("%d of %d streams finished with [DONE] after SIGTERM", done, n)
	}
	if err := e.cmd.Wait(); err != nil {
		t.Fatalf("backstop exited with %v", err)
	}
	e.cmd = nil // stopped here, not by the cleanup
	if strings.Contains(e.stderr.String(), "DATA RACE") {
		t.Fatalf("race detected in backstop:\n%s", e.stderr.String())
	}
	t.Logf("%d streams finished %v after SIGTERM; the gateway then exited 0", n, time.Since(start).Round(time.Millisecond))
}
