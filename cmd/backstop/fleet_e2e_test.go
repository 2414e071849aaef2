package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/redis/go-redis/v9"

	"github.com/backstophq/backstop/internal/fleet"
	"github.com/backstophq/backstop/internal/mock"
	"github.com/backstophq/backstop/internal/redistest"
)

// fleetConfig is the config of the fleet test: route main tries ta then
// tb, with breakers off, so that only the shared table can take ta out
// of the chain. %[1]s and %[2]s are the providers' URLs, %[3]s the Redis
// URL, %[4]s the checker's table file, %[5]s the probe settings (the
// checkers probe; the gateways do not, so that ta's attempts on a
// gateway are client traffic only).
const fleetConfig = `
listen: 127.0.0.1:0
health_interval: 200ms
health_window: 2s
log: {level: info, requests: false}
providers:
  a: {type: openai, base_url: %[1]s, api_key: test-key-a}
  b: {type: openai, base_url: %[2]s, api_key: test-key-b}
targets:
  ta: {provider: a, model: model-a%[5]s}
  tb: {provider: b, model: model-b%[5]s}
routes:
  main:
    targets: [ta, tb]
    retry: {attempts: 1}
    timeouts: {first_token: 400ms, response: 1s, total: 5s}
    breaker: {consecutive_failures: 0, error_rate: 0}
    health: {consecutive_failures: 3, error_rate: 20%%, min_requests: 3}
fleet:
  redis: {url: %[3]s, key_prefix: e2e}
  table: {subscribe: redis, stale_after: 3s}
  aggregates: {push: true, interval: 200ms}
  checker: {publish: [redis, file], file: %[4]s, lease: 3s, interval: 200ms}
`

const fleetLease = 3 * time.Second

// proc is one backstop process of the fleet test.
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stderr *lockedBuffer
	addr   string // the gateway's or checker metrics' address
	id     string // a checker's id
	done   chan error
}

// startProc runs backstop with args and waits for the stdout line that
// starts with ready, whose rest it returns via fill.
func startProc(t *testing.T, name string, args []string, fill func(p *proc, line string) bool) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "BACKSTOP_AS_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, name: name, cmd: cmd, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		closed := false
		for sc.Scan() {
			if !closed && fill(p, sc.Text()) {
				closed = true
				close(ready)
			}
		}
		if !closed {
			close(ready)
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { p.stop(false) })
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start; stderr:\n%s", name, p.stderr.String())
	}
	if p.addr == "" && p.id == "" {
		t.Fatalf("%s exited before it was ready; stderr:\n%s", name, p.stderr.String())
	}
	return p
}

func startGateway(t *testing.T, name, path string) *proc {
	return startProc(t, name, []string{"serve", "--config", path}, func(p *proc, line string) bool {
		rest, ok := strings.CutPrefix(line, "backstop listening on ")
		p.addr = rest
		return ok
	})
}

func startChecker(t *testing.T, name, path string) *proc {
	return startProc(t, name, []string{"check", "--config", path, "--metrics", "127.0.0.1:0"}, func(p *proc, line string) bool {
		if rest, ok := strings.CutPrefix(line, "backstop check metrics on "); ok {
			p.addr = rest
		}
		rest, ok := strings.CutPrefix(line, "backstop check running as ")
		p.id = rest
		return ok
	})
}

// stop ends the process: SIGKILL when kill, else SIGINT and a clean exit.
// It fails the test if the race detector spoke.
func (p *proc) stop(kill bool) {
	if p.cmd == nil {
		return
	}
	sig := os.Interrupt
	if kill {
		sig = syscall.SIGKILL
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case err := <-p.done:
		if err != nil && !kill {
			p.t.Errorf("%s exited with %v; stderr:\n%s", p.name, err, p.stderr.String())
		}
	case <-time.After(40 * time.Second):
		_ = p.cmd.Process.Kill()
		p.t.Errorf("%s did not exit", p.name)
	}
	if strings.Contains(p.stderr.String(), "DATA RACE") {
		p.t.Errorf("race detected in %s:\n%s", p.name, p.stderr.String())
	}
	p.cmd = nil
}

// get returns the body of GET path on the process's address.
func (p *proc) get(path string) string {
	p.t.Helper()
	resp, err := http.Get(p.addr + path)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	return string(b)
}

// attemptsOnTA is the gateway's attempts on ta, whatever their result.
func (p *proc) attemptsOnTA() float64 {
	v, _ := valueIn(p.get("/metrics"), "backstop_attempts_total", `route="main"`, `target="ta"`)
	return v
}

// ready is the gateway's /readyz table status.
func (p *proc) ready() fleet.Status {
	p.t.Helper()
	var body struct {
		Status string       `json:"status"`
		Table  fleet.Status `json:"table"`
	}
	if err := json.Unmarshal([]byte(p.get("/readyz")), &body); err != nil || body.Status != "ready" {
		p.t.Fatalf("%s /readyz: %+v %v", p.name, body, err)
	}
	return body.Table
}

// applied is a table application logged by a gateway.
type applied struct {
	Msg     string `json:"msg"`
	Version uint64 `json:"version"`
	DelayUS int64  `json:"delay_us"`
	Via     string `json:"via"`
}

// applications reads the gateway's "routing table applied" log lines.
func (p *proc) applications() []applied {
	var out []applied
	for _, line := range strings.Split(p.stderr.String(), "\n") {
		var a applied
		if json.Unmarshal([]byte(line), &a) == nil && a.Msg == "routing table applied" {
			out = append(out, a)
		}
	}
	return out
}

// fleetLoad sends steady traffic to route main through every gateway
// with the official SDK, counting failures.
type fleetLoad struct {
	stop         chan struct{}
	wg           sync.WaitGroup
	sent, failed atomic.Int64
}

func startFleetLoad(t *testing.T, gateways []*proc, perSecond int) *fleetLoad {
	l := &fleetLoad{stop: make(chan struct{})}
	for _, g := range gateways {
		client := openai.NewClient(option.WithBaseURL(g.addr+"/v1"), option.WithAPIKey("client-key"), option.WithMaxRetries(0))
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			tick := time.NewTicker(time.Second / time.Duration(perSecond))
			defer tick.Stop()
			for {
				select {
				case <-l.stop:
					return
				case <-tick.C:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				l.sent.Add(1)
				if _, err := client.Chat.Completions.New(ctx, chatParams("main", "hi")); err != nil {
					if l.failed.Add(1) == 1 {
						t.Logf("first failed request via %s: %v", g.addr, err)
					}
				}
				cancel()
			}
		}()
	}
	t.Cleanup(l.Stop)
	return l
}

func (l *fleetLoad) Stop() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
}

// waitUntil polls cond for up to limit.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// TestFleetSharedTable runs Redis, three gateways and two checkers in
// front of simulated providers, and checks the fleet's promises: a
// primary outage takes it out of every replica's traffic within 2 s
// through the shared table; a SIGKILLed leader is replaced within one
// lease, with no table lost or applied out of order; with Redis down the
// gateways keep serving, on the last table and then on local health,
// and resume the shared table when Redis is back, empty.
func TestFleetSharedTable(t *testing.T) {
	srv := redistest.Start(t)
	sim := mock.New(mock.Options{Seed: 11})
	t.Cleanup(func() { _ = sim.Close() })
	a, err := sim.Start("a", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := sim.Start("b", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tableFile := filepath.Join(dir, "table.json")
	write := func(name, probe string) string {
		path := filepath.Join(dir, name)
		text := fmt.Sprintf(fleetConfig, a.URL(), b.URL(), srv.URL(), tableFile, probe)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	gwPath := write("gateway.yaml", "")
	checkPath := write("checker.yaml", ", probe: {interval: 200ms, timeout: 150ms}")

	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rdb.Close() })
	keys := fleet.NewKeys("e2e")
	stored := func() *fleet.Table {
		raw, err := fleet.StoredTable(context.Background(), rdb, keys)
		if err != nil || raw == nil {
			return nil
		}
		tb, err := fleet.Decode(raw)
		if err != nil {
			t.Fatalf("stored table: %v", err)
		}
		return tb
	}

	var gateways []*proc
	for i := range 3 {
		gateways = append(gateways, startGateway(t, fmt.Sprintf("gateway-%d", i), gwPath))
	}
	checkers := []*proc{startChecker(t, "checker-0", checkPath), startChecker(t, "checker-1", checkPath)}
	allShared := func() bool {
		for _, g := range gateways {
			if g.ready().Source != "shared" {
				return false
			}
		}
		return true
	}
	waitUntil(t, 15*time.Second, "every gateway follows the shared table", allShared)
	l := startFleetLoad(t, gateways, 10)
	waitUntil(t, 10*time.Second, "traffic reaches ta", func() bool {
		for _, g := range gateways {
			if g.attemptsOnTA() < 3 {
				return false
			}
		}
		return true
	})

	// 1. Primary outage.
	outage := time.Now()
	if err := a.SetFault(mock.Fault{Status: 500}); err != nil {
		t.Fatal(err)
	}
	lastChange := make([]time.Time, len(gateways))
	lastValue := make([]float64, len(gateways))
	for i, g := range gateways {
		lastChange[i], lastValue[i] = outage, g.attemptsOnTA()
	}
	// Watch ta's attempts on every gateway until none has moved for 1.5 s.
	waitUntil(t, 15*time.Second, "ta's traffic stops on every gateway", func() bool {
		now := time.Now()
		quiet := true
		for i, g := range gateways {
			if v := g.attemptsOnTA(); v != lastValue[i] {
				lastValue[i], lastChange[i] = v, now
			}
			quiet = quiet && now.Sub(lastChange[i]) >= 1500*time.Millisecond
		}
		return quiet
	})
	for i, g := range gateways {
		cut := lastChange[i].Sub(outage)
		t.Logf("%s: last attempt on ta %v after the outage began", g.name, cut.Round(time.Millisecond))
		if cut > 2*time.Second {
			t.Errorf("%s still sent to ta %v after the outage", g.name, cut)
		}
	}
	if tb := stored(); tb == nil || !tb.Routes["main"]["ta"].Down {
		t.Fatalf("the stored table does not mark ta down: %+v", tb)
	}

	// 2. Kill the leader.
	leaderID := stored().Publisher
	var leader, standby *proc
	for _, c := range checkers {
		if c.id == leaderID {
			leader = c
		} else {
			standby = c
		}
	}
	if leader == nil {
		t.Fatalf("the stored table's publisher %q is neither checker", leaderID)
	}
	killed := time.Now()
	leader.stop(true)
	waitUntil(t, 2*fleetLease, "the standby publishes", func() bool {
		tb := stored()
		return tb != nil && tb.Publisher == standby.id
	})
	takeover := time.Since(killed)
	t.Logf("standby %s published %v after the leader was SIGKILLed (lease %v)", standby.name, takeover.Round(time.Millisecond), fleetLease)
	// The lease runs out at most one lease after the leader's last
	// renewal, which came before the kill; allow the polling of this test.
	if takeover > fleetLease+250*time.Millisecond {
		t.Errorf("takeover took %v, more than the lease of %v", takeover, fleetLease)
	}
	if v, _ := valueIn(standby.get("/metrics"), "backstop_checker_leader"); v != 1 {
		t.Errorf("the standby's backstop_checker_leader = %v after takeover", v)
	}

	// 3. Kill Redis: gateways keep serving, on the last table, then on
	// local health after stale_after.
	failedBefore := l.failed.Load()
	srv.Stop()
	downAt := time.Now()
	waitUntil(t, 10*time.Second, "every gateway falls back to local health", func() bool {
		for _, g := range gateways {
			if st := g.ready(); st.Source != "local" || !st.Stale {
				return false
			}
		}
		return true
	})
	t.Logf("gateways fell back to local health %v after Redis went down (stale_after 3s)", time.Since(downAt).Round(time.Millisecond))
	for _, g := range gateways {
		if v, _ := valueIn(g.get("/metrics"), "backstop_table_stale_total"); v < 1 {
			t.Errorf("%s: backstop_table_stale_total = %v", g.name, v)
		}
	}
	// On local health, with breakers off, ta is tried again (and fails
	// over to tb): the shared table is really out of force.
	before := gateways[0].attemptsOnTA()
	waitUntil(t, 5*time.Second, "local routing tries ta again", func() bool { return gateways[0].attemptsOnTA() > before })

	// 4. Redis comes back empty: the shared table resumes.
	srv.Start()
	upAt := time.Now()
	waitUntil(t, 15*time.Second, "every gateway resumes the shared table", allShared)
	t.Logf("gateways resumed the shared table %v after Redis came back empty", time.Since(upAt).Round(time.Millisecond))
	if n := l.failed.Load() - failedBefore; n != 0 {
		t.Errorf("%d requests failed while Redis was down or restarting", n)
	}

	// 5. Stop the checker: the last stored table is the last each
	// gateway applied, and each applied versions in strictly increasing
	// order.
	standby.stop(false)
	last := stored()
	if last == nil {
		t.Fatal("no stored table after the restart")
	}
	waitUntil(t, 5*time.Second, "every gateway applied the last table", func() bool {
		for _, g := range gateways {
			if g.ready().Version != last.Version {
				return false
			}
		}
		return true
	})
	l.Stop()
	var delays []time.Duration
	for _, g := range gateways {
		apps := g.applications()
		for i := 1; i < len(apps); i++ {
			if apps[i].Version <= apps[i-1].Version {
				t.Errorf("%s applied version %d after %d", g.name, apps[i].Version, apps[i-1].Version)
			}
		}
		if len(apps) == 0 || apps[len(apps)-1].Version != last.Version {
			t.Errorf("%s: last applied version is not the stored %d", g.name, last.Version)
		}
		for _, ap := range apps {
			if ap.Via == "redis" && ap.DelayUS >= 0 {
				delays = append(delays, time.Duration(ap.DelayUS)*time.Microsecond)
			}
		}
	}
	slices.Sort(delays)
	t.Logf("publish → applied delay over %d pub/sub deliveries on 3 gateways: p50 %v, p99 %v, max %v",
		len(delays), percentile(delays, 0.5), percentile(delays, 0.99), percentile(delays, 1))
	if len(delays) == 0 {
		t.Error("no table was applied from pub/sub")
	}
	if n := l.failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed", n, l.sent.Load())
	}
	t.Logf("%d requests through the fleet, %d failed", l.sent.Load(), l.failed.Load())
	for _, g := range gateways {
		g.stop(false)
		if strings.Contains(g.stderr.String(), "test-key") {
			t.Errorf("%s logged a provider key", g.name)
		}
	}
}
