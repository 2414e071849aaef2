package main

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Meta says where, when and how a run was made.
type Meta struct {
	// Date is the run's start, UTC, RFC 3339.
	Date    string `json:"date"`
	Command string `json:"command"`
	Profile string `json:"profile"` // "full" or "quick"
	// GoVersion is the toolchain that built the harness and the gateway.
	GoVersion string `json:"go_version"`
	CPUModel  string `json:"cpu_model"`
	Cores     int    `json:"cores"`
	MemTotal  string `json:"mem_total"`
	Kernel    string `json:"kernel"`
	// Commit is the repository's HEAD, with "+dirty" when the work tree
	// had uncommitted changes (the gateway is built from the work tree).
	Commit string `json:"commit"`
	// LoadBefore and LoadAfter are /proc/loadavg's 1, 5 and 15 minute
	// load averages at the start and the end of the run: other work on
	// the machine makes figures noisy.
	LoadBefore string `json:"load_before"`
	LoadAfter  string `json:"load_after"`
	// Node is the Node.js version the peer ran on, when it ran.
	Node string `json:"node,omitempty"`
}

func machineMeta(start time.Time, root string) Meta {
	return Meta{
		Date:       start.UTC().Format(time.RFC3339),
		Command:    strings.Join(os.Args, " "),
		GoVersion:  runtime.Version(),
		CPUModel:   procField("/proc/cpuinfo", "model name"),
		Cores:      runtime.NumCPU(),
		MemTotal:   procField("/proc/meminfo", "MemTotal"),
		Kernel:     strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		Commit:     gitCommit(root),
		LoadBefore: loadAvg(),
	}
}

// procField is the value of the first "key: value" line of a /proc file.
func procField(path, key string) string {
	for line := range strings.Lines(readFile(path)) {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// loadAvg is /proc/loadavg's three load averages.
func loadAvg() string {
	f := strings.Fields(readFile("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func gitCommit(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		commit += "+dirty"
	}
	return commit
}
