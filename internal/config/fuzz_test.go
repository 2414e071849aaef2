package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, and that its result is
// consistent: a nil error comes with a Config that passes Validate again,
// an error is a non-empty Errors in line order, with no Config, and the
// same input gives the same errors every time (map order must not leak).
func FuzzParse(f *testing.F) {
	f.Add(Default())
	f.Add(minimal)
	for _, name := range []string{"full.yaml", "broken.yaml", "docs-example.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	seeds := []string{
		"",
		"---\n",
		"listen: :8080\n",
		"providers: {p: {type: openai, api_key: '${KEY:-x}'}}\ntargets: {t: {provider: p, model: m}}\nroutes: {r: {targets: [t]}}\n",
		"routes: {r: {targets: [{target: t, weight: 0}, t], fallbacks: [t]}}\n",
		"routes: {r: &a {targets: *a}}\n",
		"routes: {r: &a {<<: *a}}\n",
		"a: &x [*x]\n",
		"routes: {r: {timeouts: {total: -5s, first_token: 5}, retry: {on: [999, x]}}}\n",
		"max_body_bytes: 99999999999TiB\n",
		"providers: {p: {headers: {'': x}, api_keys: ['', $$]}}\n",
		"? [a]\n: b\n",
		"providers: !!binary aGVsbG8=\n",
		"routes:\n  r:\n    targets:\n      - t\n      - target: u\n        weight: -1\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	lookup := env(map[string]string{"KEY": "sk-1", "EMPTY": "", "NUM": "7"})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, lookup)
		if _, again := Parse(data, lookup); fmt.Sprint(again) != fmt.Sprint(err) {
			t.Fatalf("Parse is not deterministic:\n%v\nthen:\n%v", err, again)
		}
		if err == nil {
			if cfg == nil {
				t.Fatal("nil Config and nil error")
			}
			if err := cfg.Validate(); err != nil {
				t.Fatalf("Parse accepted a Config that Validate refuses: %v", err)
			}
			return
		}
		if cfg != nil {
			t.Fatalf("Parse returned a Config with error %v", err)
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error %v (%T) is not a non-empty Errors", err, err)
		}
		for i, e := range errs {
			if e.Msg == "" {
				t.Errorf("error %d has no message: %+v", i, e)
			}
			if i > 0 && e.Line < errs[i-1].Line {
				t.Errorf("errors out of line order: %v", err)
			}
		}
	})
}
