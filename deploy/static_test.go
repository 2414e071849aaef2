// Package deploy holds the tests of Backstop's deployment artefacts: the
// Dockerfile's build here, the Kubernetes manifests in ./kubernetes.
package deploy

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Docker cannot run here, so this checks what the image depends on: that
// scripts/build-static, which the Dockerfile runs, yields a binary with no
// dynamic loader and no shared libraries (distroless/static has no libc),
// with the version stamped in.
func TestBuildStaticYieldsStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole binary with -trimpath; skipped with -short")
	}
	out := filepath.Join(t.TempDir(), "backstop")
	cmd := exec.Command("../scripts/build-static", out)
	cmd.Env = append(os.Environ(), "VERSION=v0.0.0-static-test")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build-static: %v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("binary has a %v program header: it is dynamically linked", p.Type)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("binary needs shared libraries %v (err %v)", libs, err)
	}
	if f.Section(".symtab") != nil {
		t.Error("binary has a symbol table: -s was not applied")
	}
	v, err := exec.Command(out, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(v), "backstop v0.0.0-static-test ") {
		t.Errorf("backstop version = %q, want the stamped version", v)
	}
}

// The image must be built by the script the test above checks, and run
// the binary as non-root on a static base image.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var froms, runs []string
	var user, entrypoint string
	// One instruction per logical line: a trailing backslash continues it.
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\\\n", " "), "\n") {
		instr, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch strings.ToUpper(instr) {
		case "FROM":
			froms = append(froms, rest)
		case "RUN":
			runs = append(runs, rest)
		case "USER":
			user = rest
		case "ENTRYPOINT":
			entrypoint = rest
		}
	}
	if len(froms) < 2 || !strings.HasPrefix(froms[0], "golang:1.26") {
		t.Errorf("FROM lines %q: want a golang:1.26 build stage first", froms)
	}
	if last := froms[len(froms)-1]; !strings.HasPrefix(last, "gcr.io/distroless/static") || !strings.HasSuffix(last, ":nonroot") {
		t.Errorf("final stage FROM %q, want gcr.io/distroless/static…:nonroot", last)
	}
	if !strings.Contains(strings.Join(runs, "\n"), "scripts/build-static /out/backstop") {
		t.Errorf("no RUN builds with scripts/build-static: %q", runs)
	}
	if !strings.HasPrefix(user, "nonroot") {
		t.Errorf("USER %q, want nonroot", user)
	}
	if !strings.Contains(entrypoint, "backstop") {
		t.Errorf("ENTRYPOINT %q does not run backstop", entrypoint)
	}
}
