package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// replaceFile writes text next to path and renames it over path, as
// editors and config management do.
func replaceFile(t *testing.T, path, text string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// retarget returns the test config with route main sent to tc only.
func retarget(cfg string) string {
	return strings.Replace(cfg, "    targets: [ta, tb]\n    fallbacks: [tc]\n", "    targets: [tc]\n", 1)
}

// TestConfigReloadUnderLoad changes route main's targets while requests
// flow, then writes a broken file: the first change is applied without a
// failed request, the broken file is refused and the config before it
// keeps serving.
func TestConfigReloadUnderLoad(t *testing.T) {
	e := newE2E(t)
	l := e.steadyLoad("main", 40)
	if err := e.a.WaitRequests(e.ctx(), 10); err != nil {
		t.Fatal(err)
	}
	next := retarget(e.config)
	if next == e.config {
		t.Fatal("the test config changed shape; retarget found nothing to change")
	}
	replaceFile(t, e.path, next)
	waitFor(t, func() bool { return e.metric("backstop_config_reloads_total", `result="ok"`) == 1 })
	if err := e.c.WaitRequests(e.ctx(), 40); err != nil {
		t.Fatalf("the reloaded route does not reach tc: %v", err)
	}
	aBefore := e.a.Stats().Requests
	replaceFile(t, e.path, next+"\nroutes: {broken: [\n")
	waitFor(t, func() bool { return e.metric("backstop_config_reloads_total", `result="error"`) == 1 })
	served := e.c.Stats().Requests
	if err := e.c.WaitRequests(e.ctx(), served+40); err != nil {
		t.Fatalf("the config before the broken one stopped serving: %v", err)
	}
	if got := e.a.Stats().Requests - aBefore; got > 0 {
		t.Errorf("ta got %d requests after main was moved off it", got)
	}
	l.Stop()
	if n := l.failed.Load(); n != 0 {
		t.Fatalf("%d of %d requests failed across the reloads", n, l.sent.Load())
	}
	t.Logf("%d requests across two reloads (one refused), none failed", l.sent.Load())
}

// TestConfigMapSwapIsApplied mounts the config the way the kubelet mounts
// a ConfigMap: the file is a symlink through "..data", a symlink to a
// timestamped directory, and an update swaps "..data" atomically. Under
// steady load, a good swap is applied and a broken one refused, and no
// request fails across either.
func TestConfigMapSwapIsApplied(t *testing.T) {
	dir := t.TempDir()
	version := 0
	publish := func(cfg string) {
		version++
		ts := filepath.Join(dir, "..2026_11_22_v"+strconv.Itoa(version))
		if err := os.Mkdir(ts, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ts, "backstop.yaml"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(filepath.Base(ts), tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	e := newE2EAt(t, func(cfg string) string {
		publish(cfg)
		path := filepath.Join(dir, "backstop.yaml")
		if err := os.Symlink(filepath.Join("..data", "backstop.yaml"), path); err != nil {
			t.Fatal(err)
		}
		return path
	})
	l := e.steadyLoad("main", 40)
	if err := e.a.WaitRequests(e.ctx(), 10); err != nil {
		t.Fatal(err)
	}
	next := retarget(e.config)
	publish(next)
	waitFor(t, func() bool { return e.metric("backstop_config_reloads_total", `result="ok"`) == 1 })
	if err := e.c.WaitRequests(e.ctx(), 40); err != nil {
		t.Fatalf("the swapped config does not reach tc: %v", err)
	}
	publish(next + "\nroutes: {broken: [\n")
	waitFor(t, func() bool { return e.metric("backstop_config_reloads_total", `result="error"`) == 1 })
	served := e.c.Stats().Requests
	if err := e.c.WaitRequests(e.ctx(), served+40); err != nil {
		t.Fatalf("the config before the broken swap stopped serving: %v", err)
	}
	l.Stop()
	if n := l.failed.Load(); n != 0 {
		t.Fatalf("%d of %d requests failed across the ConfigMap swaps", n, l.sent.Load())
	}
	t.Logf("%d requests across two ConfigMap swaps (one refused), none failed", l.sent.Load())
}

// TestSIGHUPReloads: SIGHUP reloads the config even when the file did
// not change (an operator's way to say "read it again").
func TestSIGHUPReloads(t *testing.T) {
	e := newE2E(t)
	if err := e.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return e.metric("backstop_config_reloads_total", `result="ok"`) == 1 })
	if _, err := e.client.Chat.Completions.New(e.ctx(), chatParams("main", "hi")); err != nil {
		t.Fatal(err)
	}
}
