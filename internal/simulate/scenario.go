package simulate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/mock"
)

// Scenario is what `backstop simulate` replays: open-loop traffic on one
// route, and a timeline of provider faults. Faults and timeline steps are
// the mock's own types (mock.Fault, mock.Step), so a scenario written for
// `backstop mock` reads the same here.
//
//	seed: 1
//	duration: 60s
//	rate: 20
//	route: smart
//	baseline: {latency: 150ms, ttft: 100ms, tokens_per_second: 100}
//	timeline:
//	  - {at: 25s, provider: primary, fault: {status: 503}, note: primary down}
//	  - {at: 40s, provider: primary, clear: true}
type Scenario struct {
	// Seed seeds every random choice of the run: weighted picks, drills,
	// backoff and cooldown jitter, and each provider's draw of faults
	// with a share. Default 0.
	Seed uint64 `yaml:"seed"`
	// Duration is how long requests arrive, from 0. Required, above 0.
	Duration mock.Duration `yaml:"duration"`
	// Rate is the requests per virtual second, evenly spaced (open loop:
	// arrivals do not wait for answers). Required, above 0.
	Rate float64 `yaml:"rate"`
	// Route names the config's route the requests ask for. Default: the
	// config's only route; required when it has several.
	Route string `yaml:"route"`
	// Stream says the requests are streamed. Default true.
	Stream bool `yaml:"stream"`
	// Tokens is the length of every answer in content chunks. Default 20.
	Tokens int `yaml:"tokens"`
	// Baseline is how every provider answers when the timeline has no
	// fault on it: only latency, ttft and tokens_per_second may be set.
	// Default: answers at once.
	Baseline mock.Fault `yaml:"baseline"`
	// Providers replaces Baseline for the providers it names (keys are
	// the config's provider names), with the same restriction.
	Providers map[string]mock.Fault `yaml:"providers"`
	// Timeline changes providers' faults at offsets from 0, in order. A
	// fault's latency, ttft and tokens_per_second left at 0 keep the
	// provider's baseline; clear returns the provider to its baseline.
	Timeline mock.Timeline `yaml:"timeline"`

	// root is the parsed document, for the lines of errors found against
	// a config.
	root *yaml.Node
}

// maxRequests bounds a run, so that a typo in rate or duration cannot
// make the simulator run for hours.
const maxRequests = 2_000_000

// DefaultTokens is the answer length when the scenario gives none.
const DefaultTokens = 20

// LoadScenario reads and parses the scenario file at path.
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sc, err := ParseScenario(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sc, nil
}

// ParseScenario reads a scenario in YAML. Unknown keys, bad values and
// inconsistent steps are errors that name their line; every problem found
// is reported at once, one per line.
func ParseScenario(b []byte) (*Scenario, error) {
	sc := Scenario{Stream: true, Tokens: DefaultTokens} // defaults first, so explicit zeros survive
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("scenario: empty document")
		}
		return nil, fmt.Errorf("scenario: %w", err)
	}
	var root yaml.Node
	_ = yaml.Unmarshal(b, &root) // it decoded above, so it parses
	sc.root = &root
	if err := sc.validate(); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return &sc, nil
}

// problems collects a scenario's errors, each naming its key and line.
type problems []error

// add records a problem at key, on line (0: the key is absent).
func (p *problems) add(key string, line int, format string, a ...any) {
	if line > 0 {
		key = fmt.Sprintf("%s (line %d)", key, line)
	}
	*p = append(*p, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, a...)))
}

func (sc *Scenario) validate() error {
	var errs problems
	if sc.Duration <= 0 {
		errs.add("duration", sc.line("duration"), "%s; must be above 0", sc.Duration)
	}
	if !(sc.Rate > 0) || math.IsInf(sc.Rate, 0) {
		errs.add("rate", sc.line("rate"), "%v; must be a number above 0", sc.Rate)
	} else if n := sc.Rate * sc.Duration.D().Seconds(); n > maxRequests {
		errs.add("rate", sc.line("rate"), "%v for %s makes %.0f requests; at most %d", sc.Rate, sc.Duration, n, maxRequests)
	}
	if sc.Tokens < 1 {
		errs.add("tokens", sc.line("tokens"), "%d; must be at least 1", sc.Tokens)
	}
	if err := baselineOnly(sc.Baseline); err != nil {
		errs.add("baseline", sc.line("baseline"), "%v", err)
	}
	for _, name := range sortedKeys(sc.Providers) {
		if err := baselineOnly(sc.Providers[name]); err != nil {
			errs.add("providers."+name, sc.keyLine("providers", name), "%v", err)
		}
	}
	for i, st := range sc.Timeline {
		key, line := fmt.Sprintf("timeline[%d]", i), sc.itemLine("timeline", i)
		if st.Provider == "" {
			errs.add(key, line, "provider is required")
		}
		if (st.Fault != nil) == st.Clear {
			errs.add(key, line, "set exactly one of fault and clear")
		}
		if st.Fault != nil {
			if err := st.Fault.Validate(); err != nil {
				errs.add(key, line, "fault: %s", oneLine(err))
			} else if err := modelled(*st.Fault); err != nil {
				errs.add(key, line, "fault: %v", err)
			}
		}
		switch {
		case st.At < 0:
			errs.add(key, line, "at = %s; must be >= 0", st.At)
		case sc.Duration > 0 && st.At >= sc.Duration:
			errs.add(key, line, "at = %s is not before the end of the run (duration %s)", st.At, sc.Duration)
		case i > 0 && st.At < sc.Timeline[i-1].At:
			errs.add(key, line, "at = %s is before the previous step's %s; keep steps in order", st.At, sc.Timeline[i-1].At)
		}
	}
	return errors.Join(errs...)
}

// baselineOnly refuses a baseline that is more than a healthy provider's
// pace: faults belong in the timeline.
func baselineOnly(f mock.Fault) error {
	if err := f.Validate(); err != nil {
		return errors.New(oneLine(err))
	}
	pace := mock.Fault{Latency: f.Latency, TTFT: f.TTFT, TokensPerSecond: f.TokensPerSecond}
	if f != pace {
		return fmt.Errorf("only latency, ttft and tokens_per_second may be set, not %s; put faults in the timeline", f.String())
	}
	return nil
}

// modelled refuses a fault that sets a field shape does not know, such as
// one added to mock.Fault after the simulator: it would otherwise be
// simulated as a healthy answer.
func modelled(f mock.Fault) error {
	known := mock.Fault{
		Status: f.Status, Body: f.Body, RetryAfter: f.RetryAfter, RetryAfterMs: f.RetryAfterMs,
		Latency: f.Latency, TTFT: f.TTFT, TokensPerSecond: f.TokensPerSecond,
		HangBeforeHeaders: f.HangBeforeHeaders, HangAfterChunks: f.HangAfterChunks, CutAfterChunks: f.CutAfterChunks,
		Malformed: f.Malformed, Reset: f.Reset, Down: f.Down, Share: f.Share,
	}
	if f != known {
		return fmt.Errorf("%s sets a field the simulator does not model yet", f.String())
	}
	return nil
}

// Check reports what in the scenario does not fit cfg: a route or a
// provider that cfg lacks. It returns the route the scenario runs.
func (sc *Scenario) Check(cfg *config.Config) (string, error) {
	var errs problems
	name := sc.Route
	switch {
	case name == "" && len(cfg.Routes) == 1:
		for n := range cfg.Routes {
			name = n
		}
	case name == "":
		errs.add("route", 0, "the config has %d routes (%s); name one", len(cfg.Routes), strings.Join(sortedKeys(cfg.Routes), ", "))
	case cfg.Routes[name] == nil:
		errs.add("route", sc.line("route"), "%q is not a route of the config (%s)", name, strings.Join(sortedKeys(cfg.Routes), ", "))
	}
	known := strings.Join(sortedKeys(cfg.Providers), ", ")
	for _, p := range sortedKeys(sc.Providers) {
		if cfg.Providers[p] == nil {
			errs.add("providers."+p, sc.keyLine("providers", p), "%q is not a provider of the config (%s)", p, known)
		}
	}
	for i, st := range sc.Timeline {
		if cfg.Providers[st.Provider] == nil {
			errs.add(fmt.Sprintf("timeline[%d]", i), sc.itemLine("timeline", i), "provider %q is not a provider of the config (%s)", st.Provider, known)
		}
	}
	if len(errs) > 0 {
		return "", fmt.Errorf("scenario: %w", errors.Join(errs...))
	}
	return name, nil
}

// top is the scenario's top-level mapping, or nil.
func (sc *Scenario) top() *yaml.Node {
	doc := sc.root
	if doc == nil {
		return nil
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil
	}
	return doc
}

// value returns the value of key in mapping m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == key {
			return m.Content[j+1]
		}
	}
	return nil
}

// line is the line of a top-level key's value; 0 when the key is absent.
func (sc *Scenario) line(key string) int {
	if v := value(sc.top(), key); v != nil {
		return v.Line
	}
	return 0
}

// keyLine is the line of key's entry named name.
func (sc *Scenario) keyLine(key, name string) int {
	if v := value(value(sc.top(), key), name); v != nil {
		return v.Line
	}
	return sc.line(key)
}

// itemLine is the line of the i-th item of the top-level sequence key.
func (sc *Scenario) itemLine(key string, i int) int {
	if seq := value(sc.top(), key); seq != nil && seq.Kind == yaml.SequenceNode && i < len(seq.Content) {
		return seq.Content[i].Line
	}
	return 0
}

// oneLine joins a multi-error into one line.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// arrival is when request i arrives: i/rate, evenly spaced from 0.
func (sc *Scenario) arrival(i int) time.Duration {
	return time.Duration(float64(i) * float64(time.Second) / sc.Rate)
}
