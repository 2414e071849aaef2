package main

import (
	"fmt"
	"strings"

	"github.com/backstophq/backstop/internal/mock"
)

// Routes of the gateway config, one per scenario.
const (
	routePassthrough = "bench"
	routeStream      = "bench-stream"
	routeHeld        = "bench-held"
	routeFailover    = "bench-failover"
	routeTranslate   = "bench-translate"
	// upstreamModel is the model every target asks the simulator for; a
	// client talking to the simulator directly sends it too.
	upstreamModel = "gpt-4o"
	// anthropicModel is what the translating route asks the simulator's
	// Anthropic endpoint for.
	anthropicModel = "claude-sonnet-4-5"
)

// failoverTimeout bounds a non-streamed attempt on the failover route (its
// timeouts.response and timeouts.first_token): a hanging primary costs each
// request this long before the gateway moves on.
const failoverTimeout = "500ms"

// upstreams are the simulated providers, each with its own address so
// that a fault on one leaves the others alone.
type upstreams struct {
	passthrough *mock.Provider // small answers
	stream      *mock.Provider // 50-token streams
	held        *mock.Provider // slow, long streams
	primary     *mock.Provider // the failover route's first target
	secondary   *mock.Provider // … and its second
}

// gatewayConfig is the Backstop config of every scenario. Request logging
// stays on, as in the shipped default: a benchmark must not win by turning
// off what production runs with. When anthropicBase is set, a provider of
// type anthropic at that URL and route routeTranslate to it are added, for
// scenario 5.
func gatewayConfig(u upstreams, anthropicBase string) string {
	var b strings.Builder
	b.WriteString("listen: 127.0.0.1:0\nlog: {level: info, requests: true}\nproviders:\n")
	provs := []struct {
		name string
		p    *mock.Provider
	}{{"passthrough", u.passthrough}, {"stream", u.stream}, {"held", u.held}, {"primary", u.primary}, {"secondary", u.secondary}}
	for _, p := range provs {
		fmt.Fprintf(&b, "  %s: {type: openai, base_url: %q}\n", p.name, p.p.URL())
	}
	if anthropicBase != "" {
		fmt.Fprintf(&b, "  claude: {type: anthropic, base_url: %q}\n", anthropicBase)
	}
	b.WriteString("targets:\n")
	for _, p := range provs {
		fmt.Fprintf(&b, "  %s: {provider: %s, model: %s}\n", p.name, p.name, upstreamModel)
	}
	if anthropicBase != "" {
		fmt.Fprintf(&b, "  claude: {provider: claude, model: %s}\n", anthropicModel)
	}
	fmt.Fprintf(&b, `routes:
  %s: {targets: [passthrough]}
  %s: {targets: [stream]}
  %s:
    targets: [held]
    timeouts: {total: 10m}
  %s:
    strategy: ordered
    targets: [primary, secondary]
    timeouts: {first_token: %s, response: %s}
`, routePassthrough, routeStream, routeHeld, routeFailover, failoverTimeout, failoverTimeout)
	if anthropicBase != "" {
		fmt.Fprintf(&b, "  %s: {targets: [claude]}\n", routeTranslate)
	}
	return b.String()
}
