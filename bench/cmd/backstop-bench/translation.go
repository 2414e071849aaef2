package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/backstophq/backstop/bench/load"
	"github.com/backstophq/backstop/internal/config"
)

// TranslationResult is scenario 5: an OpenAI client through Backstop to an
// Anthropic-dialect provider, against the OpenAI pass-through, both on the
// same simulated provider, which speaks both dialects.
type TranslationResult struct {
	// Available is false when the scenario cannot run in this build;
	// Reason then says why.
	Available bool             `json:"available"`
	Reason    string           `json:"reason,omitempty"`
	Rates     []TranslatePoint `json:"rates,omitempty"`
}

// TranslatePoint is one fixed rate. Each Backstop run is compared with
// the simulator in its own dialect: the pass-through with OpenAI requests
// straight to the simulator, the translation with Anthropic requests
// straight to it, so that what the simulator spends on either dialect
// cancels out.
type TranslatePoint struct {
	Rate float64 `json:"rate_rps"`
	// Runs: direct OpenAI, Backstop pass-through, direct Anthropic,
	// Backstop translating.
	Runs             []Run `json:"runs"`
	AddedPassthrough Delta `json:"added_passthrough"`
	AddedTranslated  Delta `json:"added_translated"`
}

// translateRates are the rates scenario 5 runs at; the budget is
// read at 1,000 req/s.
var translateRates = []float64{200, 1000}

func (h *harness) translation(ctx context.Context) (*TranslationResult, error) {
	if err := anthropicSupported(); err != nil {
		return &TranslationResult{Reason: "no Anthropic provider in this build (" + err.Error() + ")"}, nil
	}
	anth := anthropicEndpoint("direct-anthropic", "http://"+h.up.passthrough.Addr()+"/v1/messages", anthropicModel)
	if err := probe(ctx, anth); err != nil {
		return &TranslationResult{Reason: "the simulated provider does not answer the Anthropic dialect: " + err.Error()}, nil
	}
	cfgPath := filepath.Join(h.work, "backstop-translate.yaml")
	if err := os.WriteFile(cfgPath, []byte(gatewayConfig(h.up, "http://"+h.up.passthrough.Addr())), 0o644); err != nil {
		return nil, err
	}
	saved := h.cfgPath
	h.cfgPath = cfgPath
	bs, err := h.startBackstop("translation")
	h.cfgPath = saved
	if err != nil {
		return &TranslationResult{Reason: "Backstop does not start with an Anthropic target: " + err.Error()}, nil
	}
	defer bs.Stop(10 * time.Second)
	trans := backstopEndpoint(bs, routeTranslate)
	trans.Name = "backstop-translated"
	if err := probe(ctx, trans); err != nil {
		return &TranslationResult{Reason: "Backstop does not translate OpenAI → Anthropic yet: " + err.Error()}, nil
	}

	ts := []*target{
		newTarget(directEndpoint(h.up.passthrough), nil, 2048),
		newTarget(backstopEndpoint(bs, routePassthrough), bs, 2048),
		newTarget(anth, nil, 2048),
		newTarget(trans, bs, 2048),
	}
	defer closeTargets(ts...)
	res := &TranslationResult{Available: true}
	rates := translateRates
	if h.set.Profile == "quick" {
		rates = []float64{1000}
	}
	for _, rate := range rates {
		h.logf("scenario 5: %g req/s", rate)
		runs, err := h.measureOpen(ctx, ts, rate, false)
		if err != nil {
			return nil, err
		}
		res.Rates = append(res.Rates, TranslatePoint{
			Rate: rate, Runs: runs,
			AddedPassthrough: added(runs[1].Latency, runs[0].Latency),
			AddedTranslated:  added(runs[3].Latency, runs[2].Latency),
		})
	}
	return res, nil
}

func anthropicEndpoint(name, url, model string) load.Endpoint {
	h := http.Header{}
	h.Set("X-Api-Key", "bench")
	h.Set("Anthropic-Version", "2023-06-01")
	return load.Endpoint{Name: name, URL: url, Model: model, Header: h, Anthropic: true}
}

// probe sends one non-streamed request to ep and wants a 200 whose body
// names the endpoint's own dialect's answer type.
func probe(ctx context.Context, ep load.Endpoint) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(ep.Body(false)))
	if err != nil {
		return err
	}
	req.Header = ep.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	want := []byte(`"chat.completion"`)
	if ep.Anthropic {
		want = []byte(`"message"`)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, want) {
		return fmt.Errorf("%s answered %d: %s", ep.URL, resp.StatusCode, bytes.TrimSpace(body))
	}
	return nil
}

// anthropicSupported asks the config loader whether it accepts a provider
// of type anthropic: the first thing translation needs.
func anthropicSupported() error {
	_, err := config.Parse([]byte(`
providers: {claude: {type: anthropic, base_url: "http://127.0.0.1:1"}}
targets: {t: {provider: claude, model: claude-sonnet}}
routes: {r: {targets: [t]}}
`), nil)
	if err != nil {
		return fmt.Errorf("config refuses type anthropic: %w", err)
	}
	return nil
}
