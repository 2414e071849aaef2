package mock

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseProviderList(t *testing.T) {
	specs, err := ParseProviderList(DefaultProviders)
	if err != nil || len(specs) != 3 || specs[1].Name != "secondary" || specs[1].Listen != "127.0.0.1:18102" {
		t.Fatalf("%+v %v", specs, err)
	}
	for _, bad := range []string{"", "a", "a=", "=x", "a=x,a=y"} {
		if _, err := ParseProviderList(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader, which can
// wait for a text to be written.
type syncBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{wrote: make(chan struct{}, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.wrote <- struct{}{}:
	default:
	}
	return s.b.Write(p)
}

func (s *syncBuffer) waitFor(t *testing.T, text string) {
	t.Helper()
	for !strings.Contains(s.String(), text) {
		select {
		case <-s.wrote:
		case <-time.After(testTimeout):
			t.Fatalf("output lacks %q:\n%s", text, s.String())
		}
	}
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeRunsAScenarioUntilCancelled(t *testing.T) {
	sc, err := ParseScenario([]byte(`
providers:
  - {name: primary, listen: "127.0.0.1:0"}
  - {name: backup}
timeline:
  - {at: 0s, provider: primary, fault: {status: 503}, note: outage}
`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	out := newSyncBuffer()
	ready := make(chan *Simulator, 1)
	var control net.Addr
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ServeConfig{Scenario: sc, Control: "127.0.0.1:0", Out: out, Ready: func(sim *Simulator, addr net.Addr) {
			control = addr
			ready <- sim
		}})
	}()
	sim := <-ready
	primary := sim.Provider("primary")
	out.waitFor(t, "t+0s primary fault status=503 (outage)")
	hc := httpClient(t)
	if resp, _ := post(t, hc, primary, "/v1/chat/completions", helloBody); resp.StatusCode != 503 {
		t.Errorf("after the first step: %d", resp.StatusCode)
	}
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodGet, "http://"+control.String()+"/providers/backup", nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("control API: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"provider primary on http://127.0.0.1:", "provider backup on", "control API on http://" + control.String(),
		"t+0s primary fault status=503 (outage)", "stopping"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestServeRefusesWhatCannotStart(t *testing.T) {
	sim := newSim(t, Options{})
	taken := start(t, sim, "x")
	for _, sc := range []*Scenario{
		{Providers: []ProviderSpec{{Name: "a", Listen: taken.Addr()}}},
		{Timeline: Timeline{{Provider: "ghost", Clear: true}}},
	} {
		if err := Serve(testContext(t), ServeConfig{Scenario: sc}); err == nil {
			t.Errorf("%+v started", sc)
		}
	}
	if err := Serve(testContext(t), ServeConfig{Scenario: &Scenario{}, Control: taken.Addr()}); err == nil {
		t.Error("control API started on a port in use")
	}
}
