package main

import (
	"context"
	"fmt"
	"time"

	"github.com/backstophq/backstop/bench/load"
)

// PassthroughResult is scenario 1: small non-streamed chat completions at
// fixed rates, and at saturation.
type PassthroughResult struct {
	Rates      []RatePoint `json:"rates"`
	Saturation Saturation  `json:"saturation"`
}

// RatePoint is every endpoint at one fixed rate.
type RatePoint struct {
	Rate float64 `json:"rate_rps"`
	// Runs are direct first, then the gateways.
	Runs []Run `json:"runs"`
	// Added is each gateway's latency minus direct's, per percentile.
	Added map[string]Delta `json:"added"`
}

// Saturation is the closed-loop run of every endpoint.
type Saturation struct {
	Workers int   `json:"workers"`
	Runs    []Run `json:"runs"`
	// OfDirect is each gateway's throughput as a fraction of direct's.
	OfDirect map[string]float64 `json:"throughput_of_direct"`
	// Added is each gateway's latency minus direct's at saturation.
	Added map[string]Delta `json:"added"`
}

func (h *harness) passthrough(ctx context.Context) (*PassthroughResult, error) {
	bs, err := h.startBackstop("passthrough")
	if err != nil {
		return nil, err
	}
	defer bs.Stop(10 * time.Second)
	rl, err := h.startRelay("passthrough", h.up.passthrough)
	if err != nil {
		return nil, err
	}
	defer rl.Stop(5 * time.Second)
	direct := newTarget(directEndpoint(h.up.passthrough), nil, 2048)
	relay := newTarget(relayEndpoint(rl, h.up.passthrough), rl, 2048)
	via := newTarget(backstopEndpoint(bs, routePassthrough), bs, 2048)
	defer closeTargets(direct, relay, via)
	var peer *target
	pk, why := h.startPortkey("passthrough")
	if pk != nil {
		defer pk.Stop(5 * time.Second)
		peer = newTarget(portkeyEndpoint(pk.addr, h.up.passthrough.URL()), pk, 2048)
		defer closeTargets(peer)
	}

	res := &PassthroughResult{}
	for _, rate := range h.set.Rates {
		h.logf("scenario 1: %g req/s", rate)
		ts := []*target{direct, relay, via}
		peerSkip := why
		if peer != nil && rate <= h.set.PeerMaxRate {
			ts = append(ts, peer)
		} else if peer != nil {
			peerSkip = fmt.Sprintf("not run above %g req/s (--peer-max-rate): it saturates near 400 req/s", h.set.PeerMaxRate)
		}
		runs, err := h.measureOpen(ctx, ts, rate, false)
		if err != nil {
			return nil, err
		}
		if peerSkip != "" {
			runs = append(runs, skipped("portkey", peerSkip))
		}
		res.Rates = append(res.Rates, RatePoint{Rate: rate, Runs: runs, Added: deltas(runs, latencyOf)})
	}

	h.logf("scenario 1: saturation, %d workers", h.set.Workers)
	sat := Saturation{Workers: h.set.Workers, OfDirect: map[string]float64{}}
	for _, t := range []*target{direct, relay, via, peer} {
		if t == nil {
			sat.Runs = append(sat.Runs, skipped("portkey", why))
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		sat.Runs = append(sat.Runs, h.closedLoop(ctx, t, h.set.Workers))
	}
	for _, r := range sat.Runs[1:] {
		if r.Skipped == "" && sat.Runs[0].Throughput > 0 {
			sat.OfDirect[r.Endpoint] = r.Throughput / sat.Runs[0].Throughput
		}
	}
	sat.Added = deltas(sat.Runs, latencyOf)
	res.Saturation = sat
	return res, nil
}

func latencyOf(r Run) *load.Dist { return &r.Latency }
