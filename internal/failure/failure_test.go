package failure

import (
	"errors"
	"fmt"
	"testing"
)

func TestActionAndReason(t *testing.T) {
	tests := []struct {
		err    *Error
		action Action
		reason string
		counts bool
	}{
		{&Error{Kind: Status, Status: 503}, MoveOn, "503", true},
		{&Error{Kind: Status, Status: 529}, MoveOn, "529", true},
		{&Error{Kind: Status, Status: 500}, MoveOn, "500", true},
		{&Error{Kind: Status, Status: 429}, BackOff, "429", true},
		{&Error{Kind: Status, Status: 408}, BackOff, "408", true},
		{&Error{Kind: Status, Status: 400}, Stop, "400", false},
		{&Error{Kind: Status, Status: 401}, Stop, "401", false},
		{&Error{Kind: Status, Status: 422}, Stop, "422", false},
		{&Error{Kind: Status, Status: 999}, MoveOn, "status_other", true},
		{&Error{Kind: Connect}, MoveOn, "connect", true},
		{&Error{Kind: Timeout}, MoveOn, "timeout", true},
		{&Error{Kind: Idle}, MoveOn, "idle", true},
		{&Error{Kind: StreamCut}, MoveOn, "stream_cut", true},
		{&Error{Kind: Malformed}, MoveOn, "malformed", true},
		{&Error{Kind: Canceled}, Stop, "canceled", false},
		{&Error{Kind: Deadline}, Stop, "deadline", false},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			if got := tt.err.Action(); got != tt.action {
				t.Errorf("Action() = %v, want %v", got, tt.action)
			}
			if got := tt.err.Reason(); got != tt.reason {
				t.Errorf("Reason() = %q, want %q", got, tt.reason)
			}
			if got := tt.err.CountsAgainstProvider(); got != tt.counts {
				t.Errorf("CountsAgainstProvider() = %v, want %v", got, tt.counts)
			}
		})
	}
}

func TestAsKeepsTypedErrorsThroughWrapping(t *testing.T) {
	inner := &Error{Kind: Status, Status: 429}
	wrapped := fmt.Errorf("attempt 2: %w", inner)
	if got := As(wrapped); got != inner {
		t.Fatalf("As(wrapped) = %v, want the inner error", got)
	}
	plain := errors.New("dial tcp: refused")
	if got := As(plain); got.Kind != Connect || !errors.Is(got, plain) {
		t.Fatalf("As(plain) = %+v, want a Connect failure wrapping it", got)
	}
}

func TestErrorTextPrefersUpstreamMessage(t *testing.T) {
	e := &Error{Kind: Status, Status: 400, Upstream: UpstreamError{Message: "context too long"}, Err: errors.New("raw")}
	if got, want := e.Error(), "status 400: context too long"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}
