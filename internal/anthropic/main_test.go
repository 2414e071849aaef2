package anthropic

import (
	"testing"

	"go.uber.org/goleak"
)

// The SDK tests start httptest servers; none may leave a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
