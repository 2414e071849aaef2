package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/backstophq/backstop/bench/load"
	"github.com/backstophq/backstop/internal/mock"
)

// harness holds what every scenario shares: the simulated providers, the
// gateway binary and config, the peer, and the settings.
type harness struct {
	set     settings
	root    string // the repository
	work    string // scratch folder: configs, logs
	sim     *mock.Simulator
	up      upstreams
	cfgPath string
	bin     string // the gateway binary
	// relayBin is bench/cmd/relay: the floor every gateway process pays.
	relayBin string
	// profDir, when set, is where each gateway process writes its CPU
	// profile; bin is then the profiled build (bench/cmd/gateway-pprof).
	profDir string
	pk      *portkey // nil when the peer is not available
	pkNote  string   // why the peer is not available
	logf    func(format string, a ...any)
}

// target is an endpoint under test: the process behind it (nil for the
// simulator, which runs in this process) and the client that loads it.
type target struct {
	ep     load.Endpoint
	proc   *proc
	client *load.Client
}

func newTarget(ep load.Endpoint, p *proc, maxConns int) *target {
	return &target{ep: ep, proc: p, client: load.NewClient(maxConns)}
}

func directEndpoint(p *mock.Provider) load.Endpoint {
	return load.Endpoint{Name: "direct", URL: p.URL() + "/chat/completions", Model: upstreamModel}
}

func backstopEndpoint(p *proc, route string) load.Endpoint {
	return load.Endpoint{Name: "backstop", URL: "http://" + p.addr + "/v1/chat/completions", Model: route}
}

// startBackstop starts a fresh gateway process; tag names its log and
// profile files.
func (h *harness) startBackstop(tag string) (*proc, error) {
	var extra []string
	if h.profDir != "" {
		extra = []string{"--cpuprofile", filepath.Join(h.profDir, "backstop-"+tag+".pprof")}
	}
	return startBackstop(h.bin, h.cfgPath, filepath.Join(h.work, "backstop-"+tag+".log"), extra...)
}

// startRelay starts a byte relay to up: see bench/cmd/relay.
func (h *harness) startRelay(tag string, up *mock.Provider) (*proc, error) {
	u, err := url.Parse(up.URL())
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(h.relayBin, "--listen", "127.0.0.1:"+strconv.Itoa(port), "--to", u.Host)
	return startListener("relay", cmd, filepath.Join(h.work, "relay-"+tag+".log"), port, 30*time.Second)
}

// relayEndpoint is the simulator's endpoint reached through the relay.
func relayEndpoint(p *proc, up *mock.Provider) load.Endpoint {
	u, _ := url.Parse(up.URL())
	return load.Endpoint{Name: "relay", URL: "http://" + p.addr + u.Path + "/chat/completions", Model: upstreamModel}
}

// startPortkey starts a fresh peer process, or returns nil and the reason
// it cannot.
func (h *harness) startPortkey(tag string) (*proc, string) {
	if h.pk == nil {
		return nil, h.pkNote
	}
	p, err := h.pk.start(filepath.Join(h.work, "portkey-"+tag+".log"))
	if err != nil {
		return nil, "could not start: " + err.Error()
	}
	return p, ""
}

// Run is one endpoint's result at one load point.
type Run struct {
	Endpoint string `json:"endpoint"`
	// Skipped says why the endpoint was not measured here; the rest is
	// then empty.
	Skipped string `json:"skipped,omitempty"`
	load.Stats
	// GatewayCPU is the gateway process's CPU time (user + system) per
	// successful request, in µs; 0 for the simulator alone.
	GatewayCPU float64 `json:"gateway_cpu_us_per_request,omitempty"`
	// OtherLoad is the CPU that processes other than the harness and
	// the gateway under test used during the run, in cores (0 to the
	// machine's count): other work on the machine, the noise in the
	// figures.
	OtherLoad float64 `json:"other_load_cores"`
	// Redone counts the slices thrown away and measured again because
	// other processes were busy during them.
	Redone int `json:"slices_redone,omitempty"`
}

func skipped(name, why string) Run { return Run{Endpoint: name, Skipped: why} }

// openLoop sends requests to t at rate for d, recording into rec when it
// is not nil, and returns when every answer is in. It returns the time
// from the start to the last answer.
func (h *harness) openLoop(ctx context.Context, t *target, rate float64, d time.Duration, stream bool, rec *load.Recorder) time.Duration {
	body := t.ep.Body(stream)
	var wg sync.WaitGroup
	unpin := load.PinForTiming()
	defer unpin()
	start := time.Now()
	load.OpenLoop{Rate: rate, Duration: d}.Run(ctx, load.RealClock{}, func(_ int, due time.Time) {
		wg.Go(func() {
			var s load.Sample
			var gaps []time.Duration
			if stream {
				s, gaps = t.client.Stream(ctx, t.ep, body, due)
			} else {
				s = t.client.Chat(ctx, t.ep, body, due)
			}
			if rec != nil {
				rec.Add(s, gaps)
			}
		})
	})
	wg.Wait()
	return time.Since(start)
}

// measureOpen measures every target at rate, open-loop, for the settings'
// duration split into rounds that take the targets in turn, so that a
// change in the machine's load during the run falls on all of them alike.
// Each slice is preceded by an unrecorded warm-up at the same rate.
func (h *harness) measureOpen(ctx context.Context, ts []*target, rate float64, stream bool) ([]Run, error) {
	acc := make([]sliceTotals, len(ts))
	slice := h.set.Duration.D() / time.Duration(h.set.Rounds)
	for i := range ts {
		acc[i].rec = load.NewRecorder(int(rate*h.set.Duration.D().Seconds()) + 1)
	}
	for round := 0; round < h.set.Rounds; round++ {
		for i, t := range ts {
			if err := h.measureSlice(ctx, t, rate, slice, stream, &acc[i]); err != nil {
				return nil, err
			}
		}
	}
	runs := make([]Run, len(ts))
	for i, t := range ts {
		runs[i] = h.runOf(t, acc[i].rec, acc[i].elapsed, acc[i].cpu, stream)
		runs[i].OtherLoad = acc[i].other.Seconds() / acc[i].elapsed.Seconds()
		runs[i].Redone = acc[i].redone
	}
	return runs, nil
}

// sliceTotals accumulates one target's slices.
type sliceTotals struct {
	rec                 *load.Recorder
	elapsed, cpu, other time.Duration
	redone              int
}

// maxRedo bounds how often one slice is measured again because other
// processes were busy during it.
const maxRedo = 2

// measureSlice measures t for one slice. A slice during which other
// processes used more than twice QuietMax cores is thrown away and
// measured again, at most maxRedo times, after waiting for quiet; the
// last try is kept whatever the noise, and its other load reported.
func (h *harness) measureSlice(ctx context.Context, t *target, rate float64, d time.Duration, stream bool, acc *sliceTotals) error {
	for try := 0; ; try++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		h.awaitQuiet(ctx)
		h.openLoop(ctx, t, rate, h.set.Warmup.D(), stream, nil)
		rec := load.NewRecorder(int(rate*d.Seconds()) + 1)
		meter := startCPUMeter(t.proc)
		el := h.openLoop(ctx, t, rate, d, stream, rec)
		gw, other := meter.stop()
		if t.proc != nil && t.proc.exited() {
			return fmt.Errorf("%s exited during the run; see its log in %s", t.ep.Name, h.work)
		}
		noisy := h.set.QuietWait > 0 && other.Seconds()/el.Seconds() > 2*h.set.QuietMax
		if noisy && try < maxRedo {
			h.logf("%s at %g/s: other processes used %.2f cores; measuring the slice again", t.ep.Name, rate, other.Seconds()/el.Seconds())
			acc.redone++
			continue
		}
		acc.rec.AddAll(rec)
		acc.elapsed += el
		acc.cpu += gw
		acc.other += other
		return nil
	}
}

// runOf summarises a target's recorded samples over elapsed.
func (h *harness) runOf(t *target, rec *load.Recorder, elapsed, cpu time.Duration, stream bool) Run {
	st := load.Summary(rec.Samples(), rec.Gaps(), time.Time{}, stream)
	st.Elapsed = elapsed.Seconds()
	st.Throughput = float64(st.OK) / st.Elapsed
	r := Run{Endpoint: t.ep.Name, Stats: st}
	if t.proc != nil && st.OK > 0 {
		r.GatewayCPU = float64(cpu.Microseconds()) / float64(st.OK)
	}
	return r
}

// closedLoop measures t's most throughput: workers requests in flight at
// once, each sent as soon as the previous one is answered.
func (h *harness) closedLoop(ctx context.Context, t *target, workers int) Run {
	body := t.ep.Body(false)
	loop := func(d time.Duration, rec *load.Recorder) time.Duration {
		_, el := load.ClosedLoop{Workers: workers, Duration: d}.Run(ctx, load.RealClock{}, func(_ int, sent time.Time) {
			s := t.client.Chat(ctx, t.ep, body, sent)
			if rec != nil {
				rec.Add(s, nil)
			}
		})
		return el
	}
	h.awaitQuiet(ctx)
	loop(h.set.Warmup.D(), nil)
	rec := load.NewRecorder(1 << 16)
	meter := startCPUMeter(t.proc)
	el := loop(h.set.SatDuration.D(), rec)
	gw, other := meter.stop()
	r := h.runOf(t, rec, el, gw, false)
	r.OtherLoad = other.Seconds() / el.Seconds()
	return r
}

// awaitQuiet waits, up to the settings' QuietWait, until the processes
// other than the harness and its gateways use under QuietMax cores over a
// second: other engineers' tests share the machine.
func (h *harness) awaitQuiet(ctx context.Context) {
	if h.set.QuietWait <= 0 {
		return
	}
	start := time.Now()
	for ctx.Err() == nil {
		t0, m := time.Now(), startCPUMeter(nil)
		time.Sleep(time.Second)
		_, other := m.stop()
		load := other.Seconds() / time.Since(t0).Seconds()
		if load < h.set.QuietMax {
			if waited := time.Since(start); waited > 2*time.Second {
				h.logf("waited %.0fs for other processes to quieten", waited.Seconds())
			}
			return
		}
		if time.Since(start) >= h.set.QuietWait.D() {
			h.logf("other processes still use %.2f cores after %s; measuring anyway", load, h.set.QuietWait)
			return
		}
	}
}

// cpuMeter measures, over a run, the CPU time of the gateway process and
// of everything else that is neither it nor the harness.
type cpuMeter struct {
	p                 *proc
	gw, self, machine time.Duration
}

func startCPUMeter(p *proc) cpuMeter {
	m := cpuMeter{p: p, gw: procCPU(p)}
	m.self, _ = cpuTime(os.Getpid())
	m.machine, _ = machineBusy()
	return m
}

// stop returns the gateway's CPU time and the others' since start.
func (m cpuMeter) stop() (gw, other time.Duration) {
	gw = procCPU(m.p) - m.gw
	self, _ := cpuTime(os.Getpid())
	machine, _ := machineBusy()
	other = (machine - m.machine) - (self - m.self) - gw
	return gw, max(other, 0)
}

// procCPU is p's CPU time so far; 0 for no process or when it cannot be
// read.
func procCPU(p *proc) time.Duration {
	if p == nil {
		return 0
	}
	d, _ := cpuTime(p.Pid())
	return d
}

// Delta is what a gateway adds to the direct figure at each percentile,
// in µs: a difference of percentiles, not a percentile of differences.
type Delta struct {
	P50  float64 `json:"p50_us"`
	P90  float64 `json:"p90_us"`
	P99  float64 `json:"p99_us"`
	P999 float64 `json:"p99_9_us"`
}

func added(via, direct load.Dist) Delta {
	return Delta{P50: via.P50 - direct.P50, P90: via.P90 - direct.P90, P99: via.P99 - direct.P99, P999: via.P999 - direct.P999}
}

// deltas computes, for every measured gateway run, what it adds to the
// direct run (runs[0]) with pick choosing the distribution.
func deltas(runs []Run, pick func(Run) *load.Dist) map[string]Delta {
	out := map[string]Delta{}
	if len(runs) == 0 || runs[0].Skipped != "" || pick(runs[0]) == nil {
		return out
	}
	for _, r := range runs[1:] {
		if r.Skipped == "" && r.OK > 0 && pick(r) != nil {
			out[r.Endpoint] = added(*pick(r), *pick(runs[0]))
		}
	}
	return out
}

func closeTargets(ts ...*target) {
	for _, t := range ts {
		if t != nil {
			t.client.Close()
		}
	}
}
