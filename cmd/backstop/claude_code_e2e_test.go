package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/mock"
)

// claudeCodeDir is where scripts/setup-node installs the pinned Claude
// Code CLI (test/claude-code/package.json), relative to this package.
const claudeCodeDir = "../../test/claude-code"

// claudeBinary returns the installed claude CLI. Without it the test
// fails under CI (BACKSTOP_CI=1, set by .ci/run) and is skipped
// elsewhere, saying how to install it.
func claudeBinary(t *testing.T) string {
	t.Helper()
	bin, err := filepath.Abs(filepath.Join(claudeCodeDir, "node_modules", ".bin", "claude"))
	if err == nil {
		_, err = os.Stat(bin)
	}
	if err != nil {
		msg := "Claude Code is not installed (" + err.Error() + "); run scripts/setup-node (needs npm)"
		if os.Getenv("BACKSTOP_CI") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// TestClaudeCodePrintMode runs the real Claude Code CLI in print mode
// against a real `backstop serve` whose route "claude-code" has an
// Anthropic primary that is down and an OpenAI-dialect target that
// answers: Claude Code's Anthropic request (always streamed, with tools,
// thinking settings, cache_control, unknown betas and a system turn inside
// messages) must fail over, be translated, and come back as a stream
// Claude Code accepts, without losing the system turn's content.
func TestClaudeCodePrintMode(t *testing.T) {
	bin := claudeBinary(t)
	sim := mock.New(mock.Options{Seed: 11})
	t.Cleanup(func() { _ = sim.Close() })
	cc, err := sim.Start("cc", "127.0.0.1:0", mock.WithoutToolCalls(), mock.WithTokens(12))
	if err != nil {
		t.Fatal(err)
	}
	e := newE2EAt(t, func(cfg string) string {
		// Claude Code's requests run to 50-80 KB.
		cfg = strings.Replace(cfg, "max_body_bytes: 64KiB", "max_body_bytes: 4MiB", 1)
		cfg = strings.Replace(cfg, "providers:\n", "providers:\n  cc: {type: openai, base_url: "+cc.URL()+", api_key: test-key-cc}\n", 1)
		cfg = strings.Replace(cfg, "targets:\n", "targets:\n  cc-openai: {provider: cc, model: gpt-cc}\n", 1)
		cfg += "  claude-code:\n    targets: [td, cc-openai]\n    timeouts: {first_token: 20s, response: 60s, total: 90s}\n"
		path := filepath.Join(t.TempDir(), "backstop.yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	})
	e.fault(e.d, mock.Fault{Down: true})

	work := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-p", "Say hello in one line")
	cmd.Dir = work
	// A minimal environment: no key or setting of the machine's leaks in,
	// and wire-formats.md §6's switches keep Claude Code on loopback.
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"TMPDIR=" + t.TempDir(),
		"LANG=C.UTF-8",
		"ANTHROPIC_BASE_URL=" + e.base,
		"ANTHROPIC_API_KEY=test-key",
		"ANTHROPIC_MODEL=claude-code",
		"ANTHROPIC_DEFAULT_HAIKU_MODEL=claude-code",
		"ANTHROPIC_DEFAULT_SONNET_MODEL=claude-code",
		"ANTHROPIC_DEFAULT_OPUS_MODEL=claude-code",
		"ANTHROPIC_SMALL_FAST_MODEL=claude-code",
		"DISABLE_TELEMETRY=1",
		"DISABLE_ERROR_REPORTING=1",
		"DISABLE_AUTOUPDATER=1",
		"DISABLE_UPDATES=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"DISABLE_GROWTHBOOK=1",
		"CLAUDE_CODE_DISABLE_FEATURE_FLAGS=1",
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("claude -p did not finish in time; stdout %q stderr %q", stdout.String(), stderr.String())
	}
	if err != nil {
		t.Fatalf("claude -p: %v\nstdout %q\nstderr %q\ngateway:\n%s", err, stdout.String(), stderr.String(), e.stderr.String())
	}
	out := strings.TrimSpace(stdout.String())
	if !strings.HasPrefix(out, "[cc] ") || len(strings.Fields(out)) < 5 {
		t.Fatalf("stdout %q: want the simulator's answer", out)
	}

	var chat []mock.Recorded
	for _, rec := range cc.Stats().Recent {
		if rec.Path == "/v1/chat/completions" {
			chat = append(chat, rec)
		}
	}
	if len(chat) == 0 {
		t.Fatal("the OpenAI target received no chat request")
	}
	rec := chat[len(chat)-1]
	if rec.Model != "gpt-cc" || !rec.Stream || rec.Header.Get("Authorization") != "Bearer test-key-cc" {
		t.Fatalf("OpenAI request: model %q stream %v auth %q", rec.Model, rec.Stream, rec.Header.Get("Authorization"))
	}
	var sent struct {
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(rec.Body, &sent); err != nil {
		t.Fatal(err)
	}
	// The system turn Claude Code puts inside messages describes its
	// environment, the working directory included: it must reach the
	// provider, not be dropped.
	found := false
	for _, m := range sent.Messages {
		if m.Role == "system" && strings.Contains(string(m.Content), work) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no system message with the working directory %s reached the provider: %.2000s", work, rec.Body)
	}
	if !strings.Contains(string(rec.Body), "Say hello in one line") {
		t.Fatal("the prompt did not reach the provider")
	}
}
