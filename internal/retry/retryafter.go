package retry

import (
	"net/http"
	"strconv"
	"time"
)

// maxRetryAfter bounds what a provider may ask for, so that a bogus header
// cannot overflow a duration or park a request.
const maxRetryAfter = time.Hour

// ParseRetryAfter reads how long a provider asked the caller to wait:
// retry-after-ms (milliseconds, as OpenAI sends it) first, then
// Retry-After as seconds or as an HTTP date relative to now. It returns 0
// when neither header is present or parseable; values are capped at an
// hour.
func ParseRetryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return capWait(ms / 1e3)
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if !(secs > 0) { // also NaN
			return 0
		}
		return capWait(secs)
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := at.Sub(now); d > 0 {
			return capWait(d.Seconds())
		}
	}
	return 0
}

// capWait converts seconds to a duration, capped before the conversion so
// that a huge value cannot overflow.
func capWait(secs float64) time.Duration {
	if secs >= maxRetryAfter.Seconds() {
		return maxRetryAfter
	}
	return time.Duration(secs * float64(time.Second))
}
