package mock

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/genai"
)

func geminiStreamRequest(t *testing.T, p *Provider) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodPost, p.GeminiURL()+"/v1beta/models/m:streamGenerateContent?alt=sse",
		strings.NewReader(`{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Goog-Api-Key", "test-key")
	return req
}

func TestGeminiTTFTAndPacing(t *testing.T) {
	clk := newFakeClock()
	sim := newSim(t, Options{Clock: clk})
	p := start(t, sim, "primary", WithTokens(3), WithFault(Fault{TTFT: Duration(500 * time.Millisecond), TokensPerSecond: 10}))
	resp, err := httpClient(t).Do(geminiStreamRequest(t, p))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if d := clk.nextWait(t); d != 500*time.Millisecond {
		t.Fatalf("first wait %v, want the TTFT", d)
	}
	er := readEvents(resp.Body)
	quiet := func(when string) {
		t.Helper()
		select {
		case ev := <-er.events:
			t.Fatalf("%s: chunk %s arrived before the clock moved", when, ev)
		default:
		}
	}
	quiet("during TTFT")
	clk.Advance(500 * time.Millisecond)
	for i := range 3 {
		if i > 0 {
			if d := clk.nextWait(t); d != 100*time.Millisecond {
				t.Fatalf("wait before chunk %d: %v, want 1/10 s", i, d)
			}
			quiet("between chunks")
			clk.Advance(100 * time.Millisecond)
		}
		if ev := er.next(t); !strings.Contains(ev, `"text"`) {
			t.Fatalf("chunk %d: %s", i, ev)
		}
	}
	if ev := er.next(t); !strings.Contains(ev, `"finishReason":"STOP"`) || !strings.Contains(ev, `"candidatesTokenCount":3`) {
		t.Fatalf("last chunk %s", ev)
	}
	<-er.done
	if er.err != nil {
		t.Fatalf("the stream did not end cleanly: %v", er.err)
	}
}

func TestGeminiHangResetAndDown(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithFault(Fault{HangAfterChunks: 1}))
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	resp, err := httpClient(t).Do(geminiStreamRequest(t, p).WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	er := readEvents(resp.Body)
	if ev := er.next(t); !strings.Contains(ev, `"text"`) {
		t.Fatalf("first chunk %s", ev)
	}
	select {
	case ev, ok := <-er.events:
		t.Fatalf("the hung stream sent %q (open %v)", ev, ok)
	default:
	}
	cancel()
	<-er.done
	if err := p.WaitIdle(testContext(t)); err != nil {
		t.Fatalf("the handler did not return after the client left: %v", err)
	}

	c := gemini(t, p, "test-key")
	if err := p.SetFault(Fault{Reset: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Models.GenerateContent(testContext(t), "m", genai.Text("hi"), nil); err == nil {
		t.Error("a reset connection gave an answer")
	} else if _, isAPI := errors.AsType[genai.APIError](err); isAPI {
		t.Errorf("reset: %v, want a transport error", err)
	}
	if err := p.SetFault(Fault{Down: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Models.GenerateContent(testContext(t), "m", genai.Text("hi"), nil); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("down: %v, want connection refused", err)
	}
}
