package config

import (
	"errors"
	"strings"
	"testing"
)

// lines joins its arguments into a file, one per line, so that a case's
// line numbers can be read off its position in the list.
func lines(ls ...string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }

// noEnv is a lookup with an empty environment.
func noEnv(string) (string, bool) { return "", false }

// wantErr is an expected error: exact path and line, and a part of the
// message.
type wantErr struct {
	path string
	line int
	msg  string
}

// checkErrors asserts that err is Errors holding exactly want, in order.
func checkErrors(t *testing.T, err error, want []wantErr) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v (%T) is not Errors", err, err)
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		e := errs[i]
		if e.Path != w.path || e.Line != w.line || !strings.Contains(e.Msg, w.msg) {
			t.Errorf("error %d = %q\nwant path %q, line %d, message containing %q", i, e.Error(), w.path, w.line, w.msg)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{Path: "routes.smart.timeouts.total", Line: 14, Msg: "-5s must be >= 0"}, "routes.smart.timeouts.total: line 14: -5s must be >= 0"},
		{Error{Path: "providers", Msg: "at least one provider is required"}, "providers: at least one provider is required"},
		{Error{Line: 3, Msg: "invalid YAML: x"}, "line 3: invalid YAML: x"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	errs := Errors{tests[0].err, tests[1].err}
	if got, want := errs.Error(), tests[0].want+"\n"+tests[1].want; got != want {
		t.Errorf("Errors.Error() = %q, want %q", got, want)
	}
	var one Error
	if !errors.As(error(errs), &one) || one != tests[0].err {
		t.Errorf("errors.As(Errors, *Error) = %v, want the first error", one)
	}
}

func TestParentPath(t *testing.T) {
	tests := map[string]string{
		"routes.smart.targets[1].target": "routes.smart.targets[1]",
		"routes.smart.targets[1]":        "routes.smart.targets",
		"routes":                         "",
		`routes["gpt-4.1"].strategy`:     `routes["gpt-4.1"]`,
		`routes["gpt-4.1"]`:              "routes",
		`routes["a[0]"]`:                 "routes",
		`routes["q\"]"]`:                 "routes",
		`routes[""]`:                     "routes",
	}
	for path, want := range tests {
		if got := parentPath(path); got != want {
			t.Errorf("parentPath(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestKeyPath(t *testing.T) {
	tests := []struct{ parent, key, want string }{
		{"", "routes", "routes"},
		{"routes", "claude-sonnet", "routes.claude-sonnet"},
		{"routes", "gpt-4.1", `routes["gpt-4.1"]`},
		{"routes", "", `routes[""]`},
		{"routes", "a b", `routes["a b"]`},
	}
	for _, tt := range tests {
		if got := keyPath(tt.parent, tt.key); got != tt.want {
			t.Errorf("keyPath(%q, %q) = %q, want %q", tt.parent, tt.key, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := map[string]int{"timeouts": 0, "targets": 1, "retry": 2, "strategy": 3}
	tests := map[string]string{
		"tiemouts": ` (did you mean "timeouts"?)`,
		"Timeouts": ` (did you mean "timeouts"?)`,
		"retyr":    ` (did you mean "retry"?)`,
		"stratgy":  ` (did you mean "strategy"?)`,
		"breaker":  ` (keys here are: retry, strategy, targets, timeouts)`,
	}
	for key, want := range tests {
		if got := suggest(key, known); got != want {
			t.Errorf("suggest(%q) = %q, want %q", key, got, want)
		}
	}
}
