package demo

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestDemoHasNoClientVisibleErrors plays the whole timeline, compressed,
// and checks the demo's promise: traffic moves off the failing primary and
// no client sees an error.
func TestDemoHasNoClientVisibleErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("plays a 5s timeline")
	}
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{Duration: 5 * time.Second, Rate: 40, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if res.Requests < 100 {
		t.Fatalf("only %d requests in 5s at 40/s", res.Requests)
	}
	if res.Errors != 0 || res.Busy != 0 {
		t.Fatalf("%d client-visible errors, %d busy messages", res.Errors, res.Busy)
	}
	if res.Served["gpt-secondary"] <= res.Requests/5 {
		t.Fatalf("secondary served %d of %d: traffic did not move during the outage", res.Served["gpt-secondary"], res.Requests)
	}
	for _, p := range Timeline {
		if !strings.Contains(out.String(), p.Label) {
			t.Errorf("the report does not show the phase %q", p.Label)
		}
	}
}
