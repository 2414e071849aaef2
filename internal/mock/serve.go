package mock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// DefaultProviders is the provider list of `backstop mock` without a
// scenario, in ParseProviderList's form.
const DefaultProviders = "primary=127.0.0.1:18101,secondary=127.0.0.1:18102,backup=127.0.0.1:18103"

// ParseProviderList reads "name=host:port,name=host:port" into specs.
func ParseProviderList(s string) ([]ProviderSpec, error) {
	var out []ProviderSpec
	seen := map[string]bool{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		name, addr, ok := strings.Cut(item, "=")
		if !ok || name == "" || addr == "" {
			return nil, fmt.Errorf("provider %q: want name=host:port", item)
		}
		if seen[name] {
			return nil, fmt.Errorf("provider %q is listed twice", name)
		}
		seen[name] = true
		out = append(out, ProviderSpec{Name: name, Listen: addr})
	}
	return out, nil
}

// ServeConfig configures Serve.
type ServeConfig struct {
	// Scenario gives the seed, the providers and the timeline. Required.
	Scenario *Scenario
	// Control is the control API's listen address; "" runs none.
	Control string
	// Out receives a line per provider, the control API's URL, a line per
	// timeline step and a last line when stopping. Default: discarded.
	Out io.Writer
	// Ready, if set, is called once every listener is up, with the
	// simulator and the control API's address (nil without one).
	Ready func(sim *Simulator, control net.Addr)
}

// Serve runs a scenario: it starts its providers and the control API,
// plays its timeline on the system clock, and returns when ctx is done,
// having stopped everything. It returns an error only if something could
// not start; a failed timeline step is reported on Out.
func Serve(ctx context.Context, cfg ServeConfig) error {
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	sc := cfg.Scenario
	sim := New(Options{Seed: sc.Seed, OnStep: func(st Step, err error) {
		if err != nil {
			fmt.Fprintf(out, "%s: %v\n", st, err)
			return
		}
		fmt.Fprintln(out, st)
	}})
	defer sim.Close()
	if err := sim.StartScenario(sc); err != nil {
		return err
	}
	for _, st := range sc.Timeline {
		if sim.Provider(st.Provider) == nil {
			return fmt.Errorf("timeline: no provider named %q", st.Provider)
		}
	}
	var controlAddr net.Addr
	if cfg.Control != "" {
		ln, err := net.Listen("tcp", cfg.Control)
		if err != nil {
			return fmt.Errorf("control API: %w", err)
		}
		srv := &http.Server{Handler: sim.ControlHandler(), ReadHeaderTimeout: 10 * time.Second}
		served := make(chan struct{})
		go func() {
			defer close(served)
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				fmt.Fprintf(out, "control API: %v\n", err)
			}
		}()
		defer func() { _ = srv.Close(); <-served }()
		controlAddr = ln.Addr()
	}
	for _, p := range sim.Providers() {
		fmt.Fprintf(out, "provider %s on %s (fault: %s)\n", p.Name(), p.URL(), p.Fault())
	}
	if controlAddr != nil {
		fmt.Fprintf(out, "control API on http://%s\n", controlAddr)
	}
	fmt.Fprintf(out, "seed %d, %d timeline steps\n", sc.Seed, len(sc.Timeline))
	if cfg.Ready != nil {
		cfg.Ready(sim, controlAddr)
	}

	played := make(chan error, 1)
	go func() { played <- sim.Play(ctx, sc.Timeline, nil) }()
	<-ctx.Done()
	<-played // step errors were reported as they happened
	fmt.Fprintln(out, "stopping")
	return nil
}
