package retry

import (
	"net/http"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/failure"
)

func policy(t *testing.T) *Policy {
	t.Helper()
	p, err := Compile(config.Retry{
		Attempts: 2,
		On:       []string{"connect", "timeout", "stream_cut", "malformed", "408", "429", "500", "502", "503", "504", "529"},
		Backoff:  config.Backoff{Base: config.Duration(200 * time.Millisecond), Max: config.Duration(5 * time.Second)},
		MaxWait:  config.Duration(2 * time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The largest possible jitter, so that waits are predictable.
	p.Jitter = func(n int64) int64 { return n - 1 }
	return p
}

func TestDecide(t *testing.T) {
	status := func(code int, ra time.Duration) *failure.Error {
		return &failure.Error{Kind: failure.Status, Status: code, RetryAfter: ra}
	}
	const lots = time.Minute
	tests := []struct {
		name      string
		err       *failure.Error
		tries     int
		more      bool
		remaining time.Duration
		want      Verdict
		wait      time.Duration
	}{
		{"503 moves on at once", status(503, 0), 1, true, lots, MoveOn, 0},
		{"503 on the last target retries it after a backoff", status(503, 0), 1, false, lots, RetrySame, 200*time.Millisecond - 1},
		{"503 on the last target, attempts spent", status(503, 0), 2, false, lots, GiveUp, 0},
		{"connect moves on", &failure.Error{Kind: failure.Connect}, 1, true, lots, MoveOn, 0},
		{"timeout moves on", &failure.Error{Kind: failure.Timeout}, 1, true, lots, MoveOn, 0},
		{"cut stream moves on", &failure.Error{Kind: failure.StreamCut}, 1, true, lots, MoveOn, 0},
		{"429 with a short Retry-After waits for it", status(429, time.Second), 1, true, lots, RetrySame, time.Second},
		{"429 with a long Retry-After moves on", status(429, 30*time.Second), 1, true, lots, MoveOn, 0},
		{"429 with a long Retry-After on the last target gives up", status(429, 30*time.Second), 1, false, lots, GiveUp, 0},
		{"429 without Retry-After backs off", status(429, 0), 1, true, lots, RetrySame, 200*time.Millisecond - 1},
		{"429 after the attempts moves on", status(429, time.Second), 2, true, lots, MoveOn, 0},
		{"429 whose wait passes the deadline moves on", status(429, time.Second), 1, true, 500 * time.Millisecond, MoveOn, 0},
		{"400 is fatal", status(400, 0), 1, true, lots, Fatal, 0},
		{"401 is fatal", status(401, 0), 1, true, lots, Fatal, 0},
		{"501 is not in the list", status(501, 0), 1, true, lots, Fatal, 0},
		{"client cancel is fatal", &failure.Error{Kind: failure.Canceled}, 1, true, lots, Fatal, 0},
	}
	p := policy(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(tt.err, tt.tries, tt.more, tt.remaining)
			if d.Verdict != tt.want || d.Wait != tt.wait {
				t.Fatalf("Decide = %v %v, want %v %v", d.Verdict, d.Wait, tt.want, tt.wait)
			}
		})
	}
}

func TestRetryableFollowsTheList(t *testing.T) {
	p, err := Compile(config.Retry{Attempts: 1, On: []string{"429", "connect"}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Retryable(&failure.Error{Kind: failure.Status, Status: 429}) || !p.Retryable(&failure.Error{Kind: failure.Connect}) {
		t.Fatal("listed failures are not retryable")
	}
	for _, e := range []*failure.Error{{Kind: failure.Status, Status: 503}, {Kind: failure.Timeout}, {Kind: failure.StreamCut}} {
		if p.Retryable(e) {
			t.Errorf("%v is retryable but not listed", e)
		}
	}
	if _, err := Compile(config.Retry{On: []string{"often"}}); err == nil {
		t.Fatal("an unknown entry compiled")
	}
}

func TestBackoffDoublesUpToMax(t *testing.T) {
	p := policy(t)
	want := []time.Duration{200, 400, 800, 1600, 3200, 5000, 5000}
	for i, w := range want {
		if got := p.Backoff(i + 1); got != w*time.Millisecond-1 {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w*time.Millisecond-1)
		}
	}
	p.Jitter = func(int64) int64 { return 0 }
	if got := p.Backoff(3); got != 0 {
		t.Errorf("full jitter may wait 0, got %v", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"none", http.Header{}, 0},
		{"seconds", http.Header{"Retry-After": {"3"}}, 3 * time.Second},
		{"fractional seconds", http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond},
		{"ms wins", http.Header{"Retry-After": {"3"}, "Retry-After-Ms": {"250"}}, 250 * time.Millisecond},
		{"http date", http.Header{"Retry-After": {now.Add(7 * time.Second).Format(http.TimeFormat)}}, 7 * time.Second},
		{"date in the past", http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
		{"negative", http.Header{"Retry-After": {"-4"}}, 0},
		{"huge is capped", http.Header{"Retry-After": {"1e300"}}, time.Hour},
		{"not a number", http.Header{"Retry-After": {"NaN"}}, 0},
		{"infinite ms", http.Header{"Retry-After-Ms": {"+Inf"}}, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseRetryAfter(tt.h, now); got != tt.want {
				t.Fatalf("ParseRetryAfter = %v, want %v", got, tt.want)
			}
		})
	}
}
