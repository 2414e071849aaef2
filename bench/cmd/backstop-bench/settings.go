package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes as "10s".
type Duration time.Duration

// D is d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// Set parses a flag value such as "10s".
func (d *Duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// numbers is a comma-separated list flag of numbers.
type numbers []float64

func (n *numbers) String() string {
	var s []string
	for _, v := range *n {
		s = append(s, strconv.FormatFloat(v, 'f', -1, 64))
	}
	return strings.Join(s, ",")
}

func (n *numbers) Set(s string) error {
	var out numbers
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v <= 0 {
			return fmt.Errorf("%q is not a number > 0", f)
		}
		out = append(out, v)
	}
	*n = out
	return nil
}

// settings are a run's knobs; they are recorded in the results.
type settings struct {
	Profile string `json:"profile"`
	// Duration is the measured time of one endpoint at one fixed rate,
	// all rounds together.
	Duration Duration `json:"duration"`
	// Rounds splits Duration into slices that take the endpoints in turn.
	Rounds int `json:"rounds"`
	// Warmup precedes every measured slice, unrecorded, at the same load.
	Warmup Duration `json:"warmup"`
	// Rates are scenario 1's fixed rates, in requests per second.
	Rates numbers `json:"rates"`
	// PeerMaxRate is the highest rate the peer is run at: it saturates
	// near 400 req/s, and above that a run only fills its queue.
	PeerMaxRate float64 `json:"peer_max_rate"`
	// PeerMaxStreamRate is the same for streams: each carries
	// StreamTokens chunks, and the peer spends milliseconds per chunk.
	PeerMaxStreamRate float64 `json:"peer_max_stream_rate"`
	// SatDuration is the measured time of a closed-loop run.
	SatDuration Duration `json:"saturation_duration"`
	// Workers is the closed loop's concurrency.
	Workers int `json:"workers"`
	// StreamRates are scenario 2's fixed rates.
	StreamRates numbers `json:"stream_rates"`
	// StreamTokens is the length of scenario 2's streams, one content
	// chunk per token.
	StreamTokens int `json:"stream_tokens"`
	// StreamTPS paces scenario 2's streams (content chunks per second);
	// 0 sends them as fast as the simulator can.
	StreamTPS float64 `json:"stream_tokens_per_second"`
	// Held are scenario 3's numbers of streams held open at once.
	Held numbers `json:"held"`
	// HeldTPS paces the held streams.
	HeldTPS float64 `json:"held_tokens_per_second"`
	// HeldOpenRate is how many held streams are opened per second.
	HeldOpenRate float64 `json:"held_open_rate"`
	// FailRate is scenario 4's fixed rate.
	FailRate float64 `json:"failover_rate"`
	// FailBefore is how long scenario 4 runs healthy before the fault;
	// FailFor is how long the fault lasts.
	FailBefore Duration `json:"failover_before"`
	FailFor    Duration `json:"failover_fault"`
	// QuietWait is how long, at most, the harness waits before each load
	// point for the machine's other processes to use under QuietMax cores
	// (over one second); 0 does not wait.
	QuietWait Duration `json:"quiet_wait"`
	QuietMax  float64  `json:"quiet_max_cores"`
	// Scenarios are the scenarios to run, by number.
	Scenarios numbers `json:"scenarios"`
}

func fullSettings() settings {
	return settings{
		Profile:           "full",
		Duration:          Duration(10 * time.Second),
		Rounds:            2,
		Warmup:            Duration(500 * time.Millisecond),
		Rates:             numbers{200, 500, 1000, 2000, 4000},
		PeerMaxRate:       500,
		PeerMaxStreamRate: 200,
		SatDuration:       Duration(5 * time.Second),
		Workers:           32,
		StreamRates:       numbers{200, 500, 1000},
		StreamTokens:      50,
		StreamTPS:         200,
		Held:              numbers{1000, 5000},
		HeldTPS:           1,
		HeldOpenRate:      1000,
		FailRate:          200,
		FailBefore:        Duration(2 * time.Second),
		FailFor:           Duration(4 * time.Second),
		QuietWait:         Duration(2 * time.Minute),
		QuietMax:          0.3,
		Scenarios:         numbers{1, 2, 3, 4, 5},
	}
}

// quickSettings is a CI-sized run: every scenario, shorter and lighter.
func quickSettings() settings {
	s := fullSettings()
	s.Profile = "quick"
	s.Duration = Duration(2 * time.Second)
	s.Rounds = 1
	s.Warmup = Duration(300 * time.Millisecond)
	s.Rates = numbers{200, 1000}
	s.SatDuration = Duration(2 * time.Second)
	s.StreamRates = numbers{200, 1000}
	s.Held = numbers{500}
	s.FailBefore = Duration(time.Second)
	s.FailFor = Duration(2 * time.Second)
	s.QuietWait = 0
	return s
}

// bindFlags registers the flags that override s.
func (s *settings) bindFlags(fs *flag.FlagSet) {
	fs.Var(&s.Duration, "duration", "measured time per endpoint at each fixed rate")
	fs.IntVar(&s.Rounds, "rounds", s.Rounds, "interleaved rounds the duration is split into")
	fs.Var(&s.Warmup, "warmup", "unrecorded warm-up before each measured slice")
	fs.Var(&s.Rates, "rates", "scenario 1 rates, req/s, comma-separated")
	fs.Float64Var(&s.PeerMaxRate, "peer-max-rate", s.PeerMaxRate, "highest rate the peer is run at")
	fs.Float64Var(&s.PeerMaxStreamRate, "peer-max-stream-rate", s.PeerMaxStreamRate, "highest stream rate the peer is run at")
	fs.Var(&s.SatDuration, "saturation-duration", "measured time of each closed-loop run")
	fs.IntVar(&s.Workers, "workers", s.Workers, "closed-loop concurrency")
	fs.Var(&s.StreamRates, "stream-rates", "scenario 2 rates, req/s")
	fs.IntVar(&s.StreamTokens, "stream-tokens", s.StreamTokens, "content chunks per stream in scenario 2")
	fs.Float64Var(&s.StreamTPS, "stream-tps", s.StreamTPS, "scenario 2 chunks per second per stream (0: unpaced)")
	fs.Var(&s.Held, "held", "scenario 3 numbers of streams held open")
	fs.Float64Var(&s.HeldTPS, "held-tps", s.HeldTPS, "chunks per second of each held stream")
	fs.Float64Var(&s.HeldOpenRate, "held-open-rate", s.HeldOpenRate, "held streams opened per second")
	fs.Float64Var(&s.FailRate, "failover-rate", s.FailRate, "scenario 4 rate, req/s")
	fs.Var(&s.FailBefore, "failover-before", "scenario 4 healthy time before the fault")
	fs.Var(&s.FailFor, "failover-fault", "scenario 4 fault duration")
	fs.Var(&s.QuietWait, "quiet-wait", "longest wait, before each load point, for other processes to quieten (0: none)")
	fs.Float64Var(&s.QuietMax, "quiet-max", s.QuietMax, "cores other processes may use for the machine to count as quiet")
	fs.Var(&s.Scenarios, "scenarios", "scenarios to run, comma-separated numbers 1-5")
}

func (s settings) validate() error {
	switch {
	case s.Rounds < 1:
		return fmt.Errorf("rounds = %d; must be >= 1", s.Rounds)
	case s.Duration.D() < 100*time.Millisecond:
		return fmt.Errorf("duration = %s; must be >= 100ms", s.Duration)
	case s.StreamTokens < 1:
		return fmt.Errorf("stream-tokens = %d; must be >= 1", s.StreamTokens)
	case s.Workers < 1:
		return fmt.Errorf("workers = %d; must be >= 1", s.Workers)
	case s.HeldTPS <= 0 || s.HeldOpenRate <= 0 || s.FailRate <= 0:
		return fmt.Errorf("held-tps, held-open-rate and failover-rate must be > 0")
	case s.QuietWait > 0 && s.QuietMax <= 0:
		return fmt.Errorf("quiet-max = %v; must be > 0 when quiet-wait is set", s.QuietMax)
	}
	for _, n := range s.Scenarios {
		if n != float64(int(n)) || n < 1 || n > 5 {
			return fmt.Errorf("scenarios: %v is not one of 1-5", n)
		}
	}
	return nil
}

func (s settings) runs(scenario int) bool { return slices.Contains(s.Scenarios, float64(scenario)) }
