package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/backstophq/backstop/internal/config"
)

// TranslationResult is scenario 5: an OpenAI client through Backstop to an
// Anthropic-dialect provider, against the pass-through of scenario 1.
//
// It needs two things this build lacks: a provider of type anthropic in
// the gateway, and an Anthropic-dialect simulated provider. When both
// exist, run it as scenario 1 runs (measureOpen over a direct target, a
// pass-through route and a translating route at the same rates) and
// report the translating route's added latency against the pass-through's
// (the budget: at most 2×).
type TranslationResult struct {
	// Available is false when the scenario cannot run in this build;
	// Reason then says why.
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
}

// errNoAnthropicSimulator is why the scenario cannot run even once the
// gateway accepts an Anthropic provider.
var errNoAnthropicSimulator = errors.New("the simulated providers (internal/mock) speak only the OpenAI dialect")

func (h *harness) translation(context.Context) (*TranslationResult, error) {
	if err := anthropicSupported(); err != nil {
		return &TranslationResult{Reason: "no Anthropic provider in this build (" + err.Error() + ")"}, nil
	}
	return &TranslationResult{Reason: errNoAnthropicSimulator.Error()}, nil
}

// anthropicSupported asks the config loader whether it accepts a provider
// of type anthropic: the first thing translation needs.
func anthropicSupported() error {
	_, err := config.Parse([]byte(`
providers: {claude: {type: anthropic, base_url: "http://127.0.0.1:1/v1"}}
targets: {t: {provider: claude, model: claude-sonnet}}
routes: {r: {targets: [t]}}
`), nil)
	if err != nil {
		return fmt.Errorf("config refuses type anthropic: %w", err)
	}
	return nil
}
