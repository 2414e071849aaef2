package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backstophq/backstop/internal/config"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunValidate(t *testing.T) {
	good := writeFile(t, "good.yaml", config.Default())
	one := writeFile(t, "one.yaml", []byte("providers: {p: {type: openai}}\ntargets: {t: {provider: p, model: m}}\nroutes: {r: {targets: [t]}}\n"))
	bad := writeFile(t, "bad.yaml", []byte(strings.Join([]string{
		"providers: {p: {type: openai}}",
		"targets: {t: {provider: p, model: m}}",
		"routes:",
		"  r:",
		"    targets: [t, nope]",
		"    tiemouts: {total: 5s}",
	}, "\n")))
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // exactly
		stderr string // a part of it, or all of it when it ends in a newline
	}{
		{"valid file", []string{good}, 0, good + ": ok (3 providers, 3 targets, 2 routes)\n", ""},
		{"one of each", []string{one}, 0, one + ": ok (1 provider, 1 target, 1 route)\n", ""},
		{"valid file by flag", []string{"--config", good}, 0, good + ": ok (3 providers, 3 targets, 2 routes)\n", ""},
		{"invalid file", []string{bad}, 1, "",
			bad + ": routes.r.targets[1].target: line 5: unknown target \"nope\" (targets are: t)\n" +
				bad + ": routes.r.tiemouts: line 6: unknown key \"tiemouts\" (did you mean \"timeouts\"?)\n"},
		{"missing file", []string{filepath.Join(t.TempDir(), "none.yaml")}, 1, "", "no such file or directory"},
		{"no file", nil, 2, "", "no config file given"},
		{"two files", []string{good, bad}, 2, "", "one config file at a time"},
		{"file and flag", []string{"--config", good, bad}, 2, "", "one config file at a time"},
		{"unknown flag", []string{"--strict", good}, 2, "", "flag provided but not defined"},
		{"help", []string{"-h"}, 0, "", "Usage: backstop validate FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runValidate(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, tt.code, stderr.String())
			}
			if stdout.String() != tt.stdout {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.stdout)
			}
			whole := strings.HasSuffix(tt.stderr, "\n")
			if whole && stderr.String() != tt.stderr || !whole && !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr = %q, want %q", stderr.String(), tt.stderr)
			}
		})
	}
}
