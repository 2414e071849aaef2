package mock

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Scenario is a scenario file: providers to start and a timeline of faults.
//
//	seed: 1
//	providers:
//	  - {name: primary, listen: 127.0.0.1:18101, tokens: 20}
//	  - {name: backup, listen: 127.0.0.1:18103, fault: {latency: 300ms}}
//	timeline:
//	  - {at: 10s, provider: primary, fault: {status: 503}, note: primary overloaded}
//	  - {at: 20s, provider: primary, clear: true}
type Scenario struct {
	// Seed is the simulator's seed. Default 0.
	Seed uint64 `yaml:"seed"`
	// Providers are started in order by Simulator.StartScenario.
	Providers []ProviderSpec `yaml:"providers"`
	// Timeline is played by Simulator.Play.
	Timeline Timeline `yaml:"timeline"`
}

// ProviderSpec is one provider of a scenario.
type ProviderSpec struct {
	// Name is the provider's name, unique in the scenario. Required.
	Name string `yaml:"name"`
	// Listen is the address to listen on. Default "127.0.0.1:0", a free port.
	Listen string `yaml:"listen"`
	// Tokens is the length of text answers. Default: Options.Tokens (20).
	Tokens int `yaml:"tokens"`
	// HideName stops answers from starting with "[name]". Default false.
	HideName bool `yaml:"hide_name"`
	// Models is what GET /v1/models lists. Default: a few OpenAI models.
	Models []string `yaml:"models"`
	// APIKeys, if set, are the only bearer keys accepted. Default: any.
	APIKeys []string `yaml:"api_keys"`
	// BedrockRegion, if set, is the only region whose SigV4 signatures the
	// Bedrock paths accept (see WithBedrockRegion). Default: any.
	BedrockRegion string `yaml:"bedrock_region"`
	// Fault is the provider's fault from the start. Default none.
	Fault *Fault `yaml:"fault"`
}

// Options turns the spec into Start's options.
func (ps ProviderSpec) Options() []ProviderOption {
	var opts []ProviderOption
	if ps.Tokens > 0 {
		opts = append(opts, WithTokens(ps.Tokens))
	}
	if ps.HideName {
		opts = append(opts, WithoutNamePrefix())
	}
	if len(ps.Models) > 0 {
		opts = append(opts, WithModels(ps.Models...))
	}
	if len(ps.APIKeys) > 0 {
		opts = append(opts, WithAPIKeys(ps.APIKeys...))
	}
	if ps.BedrockRegion != "" {
		opts = append(opts, WithBedrockRegion(ps.BedrockRegion))
	}
	if ps.Fault != nil {
		opts = append(opts, WithFault(*ps.Fault))
	}
	return opts
}

// Timeline is a list of steps in the order of their offsets.
type Timeline []Step

// Step changes one provider's fault at an offset from the start of Play.
// Exactly one of Fault and Clear is set.
type Step struct {
	// At is the offset from the start of the timeline.
	At Duration `yaml:"at" json:"at"`
	// Provider is the name of the provider to change.
	Provider string `yaml:"provider" json:"provider"`
	// Fault replaces the provider's fault.
	Fault *Fault `yaml:"fault,omitempty" json:"fault,omitempty"`
	// Clear removes the provider's fault.
	Clear bool `yaml:"clear,omitempty" json:"clear,omitempty"`
	// Note is shown with the step, e.g. by `backstop mock`.
	Note string `yaml:"note,omitempty" json:"note,omitempty"`
}

// String is one line for logs: "t+10s primary fault status=503 (note)".
func (st Step) String() string {
	what := "clear"
	if st.Fault != nil {
		what = "fault " + st.Fault.String()
	}
	s := fmt.Sprintf("t+%s %s %s", st.At, st.Provider, what)
	if st.Note != "" {
		s += " (" + st.Note + ")"
	}
	return s
}

// LoadScenario reads and validates a scenario file.
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

// ParseScenario reads and validates a scenario in YAML. Unknown keys, bad
// values and inconsistent steps are errors that name the line.
func ParseScenario(b []byte) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("scenario: empty document")
		}
		return nil, fmt.Errorf("scenario: %w", err)
	}
	var root yaml.Node
	_ = yaml.Unmarshal(b, &root) // it decoded above, so it parses
	if err := sc.validate(&root); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return &sc, nil
}

func (sc *Scenario) validate(root *yaml.Node) error {
	var errs []error
	bad := func(key string, i int, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s[%d] (line %d): %s", key, i, itemLine(root, key, i), fmt.Sprintf(format, a...)))
	}
	names := map[string]bool{}
	for i, ps := range sc.Providers {
		switch {
		case ps.Name == "":
			bad("providers", i, "name is required")
		case names[ps.Name]:
			bad("providers", i, "name %q is used twice", ps.Name)
		}
		names[ps.Name] = true
		if ps.Tokens < 0 {
			bad("providers", i, "tokens = %d; must be >= 0", ps.Tokens)
		}
		if ps.Fault != nil {
			if err := ps.Fault.Validate(); err != nil {
				bad("providers", i, "fault: %v", err)
			}
		}
	}
	for i, st := range sc.Timeline {
		switch {
		case st.Provider == "":
			bad("timeline", i, "provider is required")
		case len(sc.Providers) > 0 && !names[st.Provider]:
			bad("timeline", i, "provider %q is not in providers", st.Provider)
		}
		if (st.Fault != nil) == st.Clear {
			bad("timeline", i, "set exactly one of fault and clear")
		}
		if st.Fault != nil {
			if err := st.Fault.Validate(); err != nil {
				bad("timeline", i, "fault: %v", err)
			}
		}
		if st.At < 0 {
			bad("timeline", i, "at = %s; must be >= 0", st.At)
		}
		if i > 0 && st.At < sc.Timeline[i-1].At {
			bad("timeline", i, "at = %s is before the previous step's %s; keep steps in order", st.At, sc.Timeline[i-1].At)
		}
	}
	return errors.Join(errs...)
}

// itemLine is the line of the i-th item of the top-level sequence key.
func itemLine(root *yaml.Node, key string, i int) int {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return 0
	}
	for j := 0; j+1 < len(doc.Content); j += 2 {
		if seq := doc.Content[j+1]; doc.Content[j].Value == key && seq.Kind == yaml.SequenceNode && i < len(seq.Content) {
			return seq.Content[i].Line
		}
	}
	return 0
}

// StartScenario starts the scenario's providers, in order. On error, the
// providers already started keep running; Close stops them.
func (s *Simulator) StartScenario(sc *Scenario) error {
	for _, ps := range sc.Providers {
		addr := ps.Listen
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		if _, err := s.Start(ps.Name, addr, ps.Options()...); err != nil {
			return err
		}
	}
	return nil
}

// Play applies the timeline's steps at their offsets from now, on clk (nil:
// Options.Clock), calling Options.OnStep after each. It refuses a timeline
// that names a provider the simulator does not have before applying any
// step. It returns when every step has been applied, with the errors of
// steps that failed (a failed step does not stop the timeline), or when ctx
// is done, with ctx's error.
func (s *Simulator) Play(ctx context.Context, tl Timeline, clk Clock) error {
	if clk == nil {
		clk = s.opts.Clock
	}
	steps := slices.Clone(tl)
	slices.SortStableFunc(steps, func(a, b Step) int { return cmp.Compare(a.At, b.At) })
	var missing []string
	for _, st := range steps {
		if s.Provider(st.Provider) == nil {
			missing = append(missing, fmt.Sprintf("%q", st.Provider))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("mock: timeline names unknown providers: %s", strings.Join(slices.Compact(missing), ", "))
	}
	start := clk.Now()
	var errs []error
	for _, st := range steps {
		if d := st.At.D() - clk.Now().Sub(start); d > 0 {
			select {
			case <-clk.After(d):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		p := s.Provider(st.Provider)
		var err error
		if st.Fault != nil {
			err = p.SetFault(*st.Fault)
		} else {
			err = p.ClearFault()
		}
		if s.opts.OnStep != nil {
			s.opts.OnStep(st, err)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", st, err))
		}
	}
	return errors.Join(errs...)
}
