package main

import (
	"context"
	"strings"
	"time"

	"github.com/backstophq/backstop/bench/load"
	"github.com/backstophq/backstop/internal/mock"
)

// timelineStep is the width of a failover timeline's buckets.
const timelineStep = 100 * time.Millisecond

// FailoverResult is scenario 4: a route of two targets whose primary
// fails in one of three ways while traffic runs.
type FailoverResult struct {
	Rate float64 `json:"rate_rps"`
	// Timeout is the route's timeouts.response (and first_token), which
	// bounds an attempt on a hanging primary.
	Timeout string     `json:"attempt_timeout"`
	Step    string     `json:"timeline_step"`
	Faults  []FaultRun `json:"faults"`
}

// FaultRun is one fault: healthy traffic, then the fault on the primary.
type FaultRun struct {
	Name  string `json:"name"`
	Fault string `json:"fault"` // the simulator's fault, as it prints it
	// Before are the requests due before the fault started, During those
	// due while it lasted; Added is During's latency minus Before's.
	Before Run   `json:"before"`
	During Run   `json:"during"`
	Added  Delta `json:"added"`
	// SuccessRecoveryMs is the time from the fault's start until the
	// start of the first bucket from which every bucket of the fault had
	// 100 % success (0: it never dropped); nil if the fault ended first.
	SuccessRecoveryMs *float64 `json:"success_recovery_ms"`
	// LatencyRecoveryMs is the same for a bucket median within the
	// healthy p99: the time until the typical request stopped paying for
	// the fault (a hanging primary costs every request the attempt
	// timeout until something, such as a circuit breaker, stops trying it).
	LatencyRecoveryMs *float64 `json:"latency_recovery_ms"`
	// Timeline holds the requests by due time; its bucket FaultBucket is
	// the first of the fault.
	FaultBucket int           `json:"fault_bucket"`
	Timeline    []load.Bucket `json:"timeline"`
}

// faultCases are the primary's failures, in the order they run.
var faultCases = []struct {
	name  string
	fault mock.Fault
}{
	{"refuses connections", mock.Fault{Down: true}},
	{"answers 503", mock.Fault{Status: 503}},
	{"hangs before headers", mock.Fault{HangBeforeHeaders: true}},
}

func (h *harness) failover(ctx context.Context) (*FailoverResult, error) {
	res := &FailoverResult{Rate: h.set.FailRate, Timeout: failoverTimeout, Step: timelineStep.String()}
	for _, fc := range faultCases {
		h.logf("scenario 4: primary %s", fc.name)
		fr, err := h.faultRun(ctx, fc.name, fc.fault)
		if err != nil {
			return nil, err
		}
		res.Faults = append(res.Faults, fr)
	}
	return res, nil
}

// faultRun runs traffic through a fresh gateway at the failover rate,
// sets fault on the primary after FailBefore, and clears it after
// FailFor.
func (h *harness) faultRun(ctx context.Context, name string, fault mock.Fault) (FaultRun, error) {
	fr := FaultRun{Name: name, Fault: fault.String()}
	if err := h.up.primary.ClearFault(); err != nil {
		return fr, err
	}
	bs, err := h.startBackstop("failover-" + strings.ReplaceAll(name, " ", "-"))
	if err != nil {
		return fr, err
	}
	defer bs.Stop(10 * time.Second)
	t := newTarget(backstopEndpoint(bs, routeFailover), bs, 2048)
	defer closeTargets(t)
	h.awaitQuiet(ctx)
	h.openLoop(ctx, t, h.set.FailRate, h.set.Warmup.D(), false, nil)

	rec := load.NewRecorder(int(h.set.FailRate*(h.set.FailBefore+h.set.FailFor).D().Seconds()) + 1)
	faultc := make(chan time.Time, 1)
	timer := time.AfterFunc(h.set.FailBefore.D(), func() {
		at := time.Now()
		if err := h.up.primary.SetFault(fault); err != nil {
			h.logf("scenario 4: set fault: %v", err)
		}
		faultc <- at
	})
	h.openLoop(ctx, t, h.set.FailRate, (h.set.FailBefore + h.set.FailFor).D(), false, rec)
	timer.Stop()
	if err := h.up.primary.ClearFault(); err != nil {
		return fr, err
	}
	var at time.Time
	select {
	case at = <-faultc:
	default:
		return fr, ctx.Err() // the run ended before the fault started
	}
	h.readFaultRun(&fr, t, rec.Samples(), at)
	return fr, nil
}

// readFaultRun splits a fault run's samples at the fault's start at and
// reads its timeline.
func (h *harness) readFaultRun(fr *FaultRun, t *target, samples []load.Sample, at time.Time) {
	end := at.Add(h.set.FailFor.D())
	before, during := load.NewRecorder(len(samples)), load.NewRecorder(len(samples))
	for _, s := range samples {
		switch {
		case s.Due.Before(at):
			before.Add(s, nil)
		case s.Due.Before(end):
			during.Add(s, nil)
		}
	}
	fr.Before = h.runOf(t, before, h.set.FailBefore.D(), 0, false)
	fr.During = h.runOf(t, during, h.set.FailFor.D(), 0, false)
	// CPU time is not split at the fault; runOf's zero CPU is not a
	// figure, so leave it out.
	fr.Before.GatewayCPU, fr.During.GatewayCPU = 0, 0
	fr.Added = added(fr.During.Latency, fr.Before.Latency)

	// Buckets start on the fault's start, so that bucket FaultBucket is
	// the fault's first 100 ms.
	fr.FaultBucket = int(h.set.FailBefore.D() / timelineStep)
	origin := at.Add(-time.Duration(fr.FaultBucket) * timelineStep)
	tl := load.Timeline(samples, origin, timelineStep)
	if last := fr.FaultBucket + int(h.set.FailFor.D()/timelineStep); last < len(tl) {
		tl = tl[:last]
	}
	fr.Timeline = tl
	// A bucket holds about 20 requests at 200 req/s, too few for its p99
	// to be more than its slowest request; its median is steady enough.
	healthyP99 := fr.Before.Latency.P99
	fast := func(b load.Bucket) bool { return b.Sent == 0 || b.P50 <= healthyP99 }
	allOK := func(b load.Bucket) bool { return b.Success == 1 }
	if d, ok := load.Recovery(tl, fr.FaultBucket, timelineStep, allOK); ok {
		fr.SuccessRecoveryMs = ptr(float64(d.Milliseconds()))
	}
	if d, ok := load.Recovery(tl, fr.FaultBucket, timelineStep, fast); ok {
		fr.LatencyRecoveryMs = ptr(float64(d.Milliseconds()))
	}
}

func ptr[T any](v T) *T { return &v }
