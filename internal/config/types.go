package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written in the file with a unit: "200ms",
// "5s", "1m30s". A bare number other than 0 is refused, because "5" could
// mean seconds or milliseconds and a guess is a bug waiting to happen.
// Negative durations are refused.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d as time.Duration does ("1m30s").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes d in the form the file accepts, so a Config encoded
// as YAML or JSON reads back the same.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// parseDuration reads a duration as written in the file.
func parseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if _, err := strconv.ParseFloat(s, 64); err == nil && s != "0" && s[len(s)-1] >= '0' && s[len(s)-1] <= '9' {
		return 0, fmt.Errorf("%s has no unit; use a unit, e.g. 5s", s)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; use a unit, e.g. 5s or 200ms", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%s must be >= 0", s)
	}
	return Duration(d), nil
}

// ByteSize is a size in bytes. The file may write a plain integer (bytes)
// or a number with a unit: B, KB, MB, GB, TB (powers of 1000) or KiB, MiB,
// GiB, TiB (powers of 1024), e.g. "512KiB", "8MiB", "1MB". Negative sizes
// are refused.
type ByteSize int64

// String writes b with the largest binary unit that divides it exactly
// ("8MiB"), or in bytes.
func (b ByteSize) String() string {
	units := []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}
	for _, u := range units {
		if b != 0 && int64(b)%u.size == 0 {
			return strconv.FormatInt(int64(b)/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// MarshalText writes b in the form the file accepts.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// byteUnits maps a lower-cased unit to its size.
var byteUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// parseByteSize reads a size as written in the file.
func parseByteSize(s string) (ByteSize, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] == '-' || s[i] == '+' || s[i] >= '0' && s[i] <= '9') {
		i++
	}
	num, unit := s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	mult, ok := byteUnits[unit]
	n, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%q is not a size; write bytes or a number with a unit, e.g. 8MiB or 512KiB", s)
	}
	if err != nil || n > math.MaxInt64/mult || n < math.MinInt64/mult {
		return 0, fmt.Errorf("%s is too large", s)
	}
	if n < 0 {
		return 0, fmt.Errorf("%s must be >= 0", s)
	}
	return ByteSize(n * mult), nil
}

// Percent is a share between 0 and 1. The file may write it as a
// percentage ("2%", "50%") or as a fraction (0.02, 0.5).
type Percent float64

// String writes p as a percentage ("2%").
func (p Percent) String() string { return strconv.FormatFloat(float64(p)*100, 'g', -1, 64) + "%" }

// MarshalText writes p in the form the file accepts.
func (p Percent) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// parsePercent reads a share as written in the file.
func parsePercent(s string) (Percent, error) {
	s = strings.TrimSpace(s)
	num, pct := strings.CutSuffix(s, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a share; write a percentage like 2%% or a fraction like 0.02", s)
	}
	if pct {
		f /= 100
	}
	if f < 0 || f > 1 {
		return 0, fmt.Errorf("%s is not between 0%% and 100%%", s)
	}
	return Percent(f), nil
}

// redacted is what a Secret prints as.
const redacted = "[redacted]"

// Secret is a string that is never printed: String, GoString and the
// JSON and YAML encodings all give "[redacted]" when it is set, so logging
// a Config with %v, %+v or %#v, or dumping it as JSON, leaks no key. Use
// Value for the real text.
type Secret string

// Value returns the secret text.
func (s Secret) Value() string { return string(s) }

// String returns "[redacted]", or "" when s is empty so that an unset key
// is visibly unset.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString is String, so %#v redacts too.
func (s Secret) GoString() string { return s.String() }

// Format redacts under every verb, not only those that use String: without
// it, fmt.Sprintf("%x", secret) would print the key in hex.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.String())
		return
	}
	io.WriteString(f, s.String())
}

// Format prints a *Provider as fmt prints a pointer to a struct at the top
// level (&{...}), wherever the pointer is. It exists for one case: fmt
// prints a pointer it cannot format with the verb asked (%s, %d on a
// Config, whose providers are pointers) through a path that calls no
// String or Format method of the fields, which would print keys.
func (p *Provider) Format(f fmt.State, verb rune) {
	if p == nil {
		io.WriteString(f, "<nil>")
		return
	}
	io.WriteString(f, "&")
	fmt.Fprintf(f, fmt.FormatString(f, verb), *p)
}

// MarshalJSON writes the redacted form.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalYAML writes the redacted form.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// Delay reads After: a fixed delay, or a TTFT percentile (50, 95 or 99).
// Both are zero when hedging is off.
func (h Hedge) Delay() (fixed time.Duration, percentile int, err error) {
	switch h.After {
	case "":
		return 0, 0, nil
	case "p50":
		return 0, 50, nil
	case "p95":
		return 0, 95, nil
	case "p99":
		return 0, 99, nil
	}
	d, err := parseDuration(h.After)
	if err != nil || d == 0 {
		return 0, 0, fmt.Errorf("%q is not a delay: write a duration such as 800ms, or p50, p95 or p99", h.After)
	}
	return d.D(), 0, nil
}
