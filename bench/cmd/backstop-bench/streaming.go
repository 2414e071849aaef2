package main

import (
	"context"
	"fmt"
	"time"

	"github.com/backstophq/backstop/bench/load"
)

// StreamingResult is scenario 2: streamed answers at fixed rates.
type StreamingResult struct {
	Tokens          int           `json:"tokens"`
	TokensPerSecond float64       `json:"tokens_per_second"`
	Rates           []StreamPoint `json:"rates"`
}

// StreamPoint is every endpoint at one fixed rate of streams.
type StreamPoint struct {
	Rate float64 `json:"rate_rps"`
	Runs []Run   `json:"runs"`
	// AddedTTFT is each gateway's time to the first content chunk minus
	// direct's; AddedGap the same for the gaps between content chunks.
	AddedTTFT map[string]Delta `json:"added_ttft"`
	AddedGap  map[string]Delta `json:"added_gap"`
}

func (h *harness) streaming(ctx context.Context) (*StreamingResult, error) {
	bs, err := h.startBackstop("streaming")
	if err != nil {
		return nil, err
	}
	defer bs.Stop(10 * time.Second)
	rl, err := h.startRelay("streaming", h.up.stream)
	if err != nil {
		return nil, err
	}
	defer rl.Stop(5 * time.Second)
	direct := newTarget(directEndpoint(h.up.stream), nil, 0)
	relay := newTarget(relayEndpoint(rl, h.up.stream), rl, 0)
	via := newTarget(backstopEndpoint(bs, routeStream), bs, 0)
	defer closeTargets(direct, relay, via)
	var peer *target
	pk, why := h.startPortkey("streaming")
	if pk != nil {
		defer pk.Stop(5 * time.Second)
		peer = newTarget(portkeyEndpoint(pk.addr, h.up.stream.URL()), pk, 0)
		defer closeTargets(peer)
	}

	res := &StreamingResult{Tokens: h.set.StreamTokens, TokensPerSecond: h.set.StreamTPS}
	for _, rate := range h.set.StreamRates {
		h.logf("scenario 2: %g streams/s", rate)
		ts := []*target{direct, relay, via}
		peerSkip := why
		if peer != nil && rate <= h.set.PeerMaxStreamRate {
			ts = append(ts, peer)
		} else if peer != nil {
			peerSkip = fmt.Sprintf("not run above %g streams/s (--peer-max-stream-rate): it spends ~5 ms of CPU per stream", h.set.PeerMaxStreamRate)
		}
		runs, err := h.measureOpen(ctx, ts, rate, true)
		if err != nil {
			return nil, err
		}
		if peerSkip != "" {
			runs = append(runs, skipped("portkey", peerSkip))
		}
		res.Rates = append(res.Rates, StreamPoint{
			Rate:      rate,
			Runs:      runs,
			AddedTTFT: deltas(runs, func(r Run) *load.Dist { return r.TTFT }),
			AddedGap:  deltas(runs, func(r Run) *load.Dist { return r.Gap }),
		})
	}
	return res, nil
}
