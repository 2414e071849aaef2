package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/backstophq/backstop/internal/mock"
)

// TestMain lets the test binary stand in for the backstop binary: run with
// BACKSTOP_AS_MAIN=1 it is `backstop` itself, so the end-to-end tests run
// a real `backstop serve` process (built with -race like the tests) without
// a separate build step.
func TestMain(m *testing.M) {
	if os.Getenv("BACKSTOP_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// e2e is one end-to-end setup: simulated providers a, b and c, and a
// `backstop serve` process in front of them.
type e2e struct {
	t       *testing.T
	sim     *mock.Simulator
	a, b, c *mock.Provider
	// d serves the Anthropic Messages API (the same simulator); z is the
	// target of an azure provider, on its Azure OpenAI paths.
	d, z   *mock.Provider
	base   string // http://addr of the gateway
	client openai.Client
	cmd    *exec.Cmd
	stderr *lockedBuffer
	// config is the config text the gateway started with, at path.
	config, path string
}

// testConfig is the gateway config of the end-to-end tests. Timeouts are
// short so that hangs fail over quickly; %s are the providers' URLs.
const testConfig = `
listen: 127.0.0.1:0
max_body_bytes: 64KiB
headers: [x-tenant]
health_interval: 200ms
health_window: 2s
log: {level: info, requests: true}
providers:
  a: {type: openai, base_url: %s, api_key: test-key-a}
  b: {type: openai, base_url: %s, api_keys: [test-key-b1, test-key-b2]}
  c: {type: openai, base_url: %s}
  d: {type: anthropic, base_url: %s, api_key: test-key-d}
  z: {type: azure, base_url: %s, api_key: test-key-z}
targets:
  ta: {provider: a, model: model-a}
  tb: {provider: b, model: model-b}
  tc: {provider: c, model: model-c, prefill: true}
  td: {provider: d, model: claude-d}
  tz: {provider: z, model: gpt-4o-deployment}
  text-only: {provider: b, model: model-b-text, capabilities: {vision: false, tools: false}}
  small: {provider: a, model: model-a-small, capabilities: {context_window: 2000, max_output_tokens: 500}}
  capped: {provider: c, model: model-c-capped, capabilities: {max_output_tokens: 5}}
  claude-capped: {provider: d, model: claude-capped, capabilities: {max_output_tokens: 7}}
routes:
  main:
    targets: [ta, tb]
    fallbacks: [tc]
    retry: {attempts: 2, backoff: {base: 10ms, max: 50ms}, max_wait: 1s}
    timeouts: {first_token: 400ms, response: 1s, idle: 500ms, total: 10s}
  polite:
    targets: [ta]
    retry: {attempts: 1}
    timeouts: {first_token: 400ms, response: 1s, total: 5s}
    on_exhausted: {message: "The assistant is busy right now. Please try again in a minute."}
  strict:
    targets: [ta, tb]
    retry: {attempts: 1}
    timeouts: {first_token: 400ms, response: 1s, total: 5s}
    on_exhausted: {retry_after: 7s}
  guarded:
    targets: [ta, tb]
    retry: {attempts: 1}
    timeouts: {first_token: 300ms, response: 300ms, total: 5s}
    breaker: {consecutive_failures: 3, cooldown: 2s, max_cooldown: 2s}
  drilled:
    targets: [ta]
    fallbacks: [tc]
    drill: 0.2
  tail:
    targets: [ta, tb]
  tail-hedged:
    targets: [ta, tb]
    hedge: {after: 150ms, max_extra: 0.3}
  continued:
    targets: [ta]
    fallbacks: [tc]
    continue_on_cut: true
  shifting:
    strategy: weighted
    targets: [{target: ta, weight: 70}, {target: tb, weight: 30}]
    health: {p99_latency: 200ms, min_requests: 5, max_step: 0.2}
    breaker: {consecutive_failures: 0, error_rate: 0}
  claude:
    targets: [td]
  claude-then-openai:
    targets: [td, ta]
  openai-then-claude:
    targets: [ta, td]
  to-claude:
    targets: [td]
  deadline:
    targets: [ta, tb]
    timeouts: {first_token: 3s, response: 3s, total: 4s}
  azure:
    targets: [tz]
  vision:
    targets: [text-only, ta]
  text-only:
    targets: [text-only]
  long:
    targets: [small]
    context_fallback: tc
  long-by-error:
    targets: [ta]
    fallbacks: [tb]
    context_fallback: tc
  capped:
    targets: [capped]
  claude-capped:
    targets: [claude-capped]
  only-429:
    targets: [ta, tb]
    retry: {on: [429]}
    timeouts: {first_token: 4s, response: 4s, total: 5s}
`

func newE2E(t *testing.T) *e2e {
	t.Helper()
	return newE2EAt(t, func(cfg string) string {
		path := filepath.Join(t.TempDir(), "backstop.yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	})
}

// newE2EAt is newE2E with the config file written by place, which returns
// its path (a ConfigMap-style volume, say).
func newE2EAt(t *testing.T, place func(cfg string) string) *e2e {
	t.Helper()
	sim := mock.New(mock.Options{Seed: 7})
	t.Cleanup(func() { _ = sim.Close() })
	e := &e2e{t: t, sim: sim}
	for _, slot := range []struct {
		p    **mock.Provider
		name string
	}{{&e.a, "a"}, {&e.b, "b"}, {&e.c, "c"}, {&e.d, "d"}, {&e.z, "z"}} {
		p, err := sim.Start(slot.name, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		*slot.p = p
	}
	e.config = fmt.Sprintf(testConfig, e.a.URL(), e.b.URL(), e.c.URL(), "http://"+e.d.Addr(), "http://"+e.z.Addr())
	e.path = place(e.config)
	e.start(e.path)
	e.client = openai.NewClient(option.WithBaseURL(e.base+"/v1"), option.WithAPIKey("client-key"), option.WithMaxRetries(0))
	return e
}

// start runs `backstop serve --config path` and waits for its address.
func (e *e2e) start(path string) {
	t := e.t
	cmd := exec.Command(os.Args[0], "serve", "--config", path)
	cmd.Env = append(os.Environ(), "BACKSTOP_AS_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	e.stderr = &lockedBuffer{}
	cmd.Stderr = e.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e.cmd = cmd
	t.Cleanup(e.stop)
	addr := make(chan string, 1)
	go func() {
		// An empty address means the process ended before listening.
		defer close(addr)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "backstop listening on "); ok {
				addr <- rest
			}
		}
	}()
	select {
	case a := <-addr:
		if a == "" {
			t.Fatalf("backstop exited before listening; stderr:\n%s", e.stderr.String())
		}
		e.base = a
	case <-time.After(30 * time.Second):
		t.Fatalf("backstop did not start; stderr:\n%s", e.stderr.String())
	}
}

// stop sends SIGTERM, waits for a clean exit, and fails the test if the
// race detector spoke.
func (e *e2e) stop() {
	if e.cmd == nil {
		return
	}
	_ = e.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- e.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			e.t.Errorf("backstop exited with %v; stderr:\n%s", err, e.stderr.String())
		}
	case <-time.After(40 * time.Second):
		_ = e.cmd.Process.Kill()
		e.t.Errorf("backstop did not exit after SIGINT")
	}
	if strings.Contains(e.stderr.String(), "DATA RACE") {
		e.t.Errorf("race detected in backstop:\n%s", e.stderr.String())
	}
	e.cmd = nil
}

func (e *e2e) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

func (e *e2e) fault(p *mock.Provider, f mock.Fault) {
	e.t.Helper()
	if err := p.SetFault(f); err != nil {
		e.t.Fatal(err)
	}
}

func chatParams(route, prompt string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    route,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(prompt)},
	}
}

// post sends a raw request to the gateway, for what the SDK would refuse
// to send.
func (e *e2e) post(path, contentType, body string, header http.Header) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.ctx(), http.MethodPost, e.base+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// metric returns the sum of the samples of the gateway's /metrics that
// match, or 0.
func (e *e2e) metric(name string, labels ...string) float64 {
	v, _ := e.sample(name, labels...)
	return v
}

// sample is metric, and whether any sample matched.
func (e *e2e) sample(name string, labels ...string) (total float64, found bool) {
	return valueIn(e.scrape(), name, labels...)
}

// scrape returns the gateway's /metrics text.
func (e *e2e) scrape() string {
	e.t.Helper()
	resp, err := http.Get(e.base + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// valueIn sums the samples of metrics text that match name and every label.
func valueIn(text, name string, labels ...string) (total float64, found bool) {
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		match := true
		for _, l := range labels {
			if !strings.Contains(line, l) {
				match = false
			}
		}
		if match {
			var v float64
			fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
			total += v
			found = true
		}
	}
	return total, found
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls cond until it holds, for what the gateway records just
// after it answers (metrics of a request whose client left).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// postTo posts body to url and returns the response and its body.
func (e *e2e) postTo(url string, body []byte) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(string(body)))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// streamText concatenates the content deltas of a raw OpenAI stream.
func streamText(t *testing.T, raw []byte) string {
	t.Helper()
	var out strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var chunk struct {
			Choices []struct {
				Delta struct{ Content string } `json:"delta"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			t.Fatalf("chunk %q: %v", data, err)
		}
		if len(chunk.Choices) > 0 {
			out.WriteString(chunk.Choices[0].Delta.Content)
		}
	}
	return out.String()
}
