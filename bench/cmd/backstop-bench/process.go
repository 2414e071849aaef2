package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a gateway running as a child process of the harness, so that
// its memory and CPU time are its own.
type proc struct {
	name string
	cmd  *exec.Cmd
	addr string // host:port it serves on
	log  *os.File
	done chan struct{} // closed once the process has exited
}

// Pid is the process id.
func (p *proc) Pid() int { return p.cmd.Process.Pid }

// Stop sends SIGTERM, waits up to grace for the process to exit, then
// kills it. It only ever signals the process it started.
func (p *proc) Stop(grace time.Duration) {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	_ = p.log.Close()
}

// exited reports whether the process has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// startBackstop runs `bin serve --config cfgPath` (or the profiled build's
// equivalent, args appended) and waits for the "backstop listening on
// http://ADDR" line on its stdout. Its stderr, the request log, goes to
// logPath.
func startBackstop(bin, cfgPath, logPath string, extra ...string) (*proc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--config", cfgPath, "--listen", "127.0.0.1:0"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &proc{name: "backstop", cmd: cmd, log: logf, done: make(chan struct{})}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "backstop listening on http://"); ok {
				addrc <- a
			}
		}
		_ = cmd.Wait()
		close(p.done)
	}()
	select {
	case p.addr = <-addrc:
		return p, nil
	case <-p.done:
		logf.Close()
		return nil, fmt.Errorf("%s exited before listening; see %s", bin, logPath)
	case <-time.After(30 * time.Second):
		p.Stop(time.Second)
		return nil, fmt.Errorf("%s did not listen within 30s; see %s", bin, logPath)
	}
}

// startListener runs cmd with its output to logPath and waits until
// something accepts TCP connections on 127.0.0.1:port.
func startListener(name string, cmd *exec.Cmd, logPath string, port int, timeout time.Duration) (*proc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logf, done: make(chan struct{}), addr: "127.0.0.1:" + strconv.Itoa(port)}
	go func() { _ = cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p.exited() {
			logf.Close()
			return nil, fmt.Errorf("%s exited before listening; see %s", name, logPath)
		}
		if c, err := net.DialTimeout("tcp", p.addr, 200*time.Millisecond); err == nil {
			c.Close()
			return p, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.Stop(time.Second)
	return nil, fmt.Errorf("%s did not listen on %s within %v; see %s", name, p.addr, timeout, logPath)
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// rss is the resident memory of process pid, in bytes (VmRSS).
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseVmRSS(b)
}

func parseVmRSS(status []byte) (int64, error) {
	for line := range bytes.Lines(status) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := strings.Fields(string(v))
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("odd VmRSS line %q", line)
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS line")
}

// clockTicks is the unit of /proc/PID/stat times (USER_HZ), 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// cpuTime is the CPU time (user + system) that process pid has used.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(b)
}

func parseStatCPU(stat []byte) (time.Duration, error) {
	// The command name, field 2, is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no ')' in stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	// After the name: state (3), …, utime (14), stime (15).
	if len(f) < 13 {
		return 0, errors.New("short stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// machineBusy is the CPU time every process on the machine has used:
// user, nice and system of /proc/stat's cpu line. Interrupt time is left
// out: the harness's own loopback traffic causes most of it, and the
// kernel charges it to no process.
func machineBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseMachineBusy(b)
}

func parseMachineBusy(stat []byte) (time.Duration, error) {
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("odd /proc/stat cpu line %q", line)
	}
	var ticks int64
	for _, i := range []int{1, 2, 3} { // user nice system
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// loopbackOnly checks /proc/net/tcp{,6} that every socket listening on
// port is bound to a loopback address.
func loopbackOnly(port int) error {
	hexPort := fmt.Sprintf(":%04X", port)
	found := false
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for line := range bytes.Lines(b) {
			fs := strings.Fields(string(line))
			// local_address is field 1, st is field 3; 0A is LISTEN.
			if len(fs) < 4 || fs[3] != "0A" || !strings.HasSuffix(fs[1], hexPort) {
				continue
			}
			found = true
			host := strings.TrimSuffix(fs[1], hexPort)
			if host != "0100007F" && host != "00000000000000000000000001000000" {
				return fmt.Errorf("port %d is listened on at %s, not loopback", port, host)
			}
		}
	}
	if !found {
		return fmt.Errorf("nothing listens on port %d", port)
	}
	return nil
}

// moduleRoot is the directory of Backstop's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the backstop module: run the harness from the repository")
	}
	return filepath.Dir(mod), nil
}

// goBuild builds pkg (a path relative to the module root) into out.
func goBuild(ctx context.Context, root, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, stderr.String())
	}
	return nil
}

// raiseFileLimit lifts the soft limit on open files to the hard one: the
// held-stream scenario keeps two sockets per stream in this process.
// Children started afterwards inherit it.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	return lim.Cur, nil
}
