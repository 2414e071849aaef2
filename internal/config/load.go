package config

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads and parses the file at path, resolving ${ENV} with
// os.LookupEnv. Problems in the file come back as Errors; a file that
// cannot be read comes back as the *fs.PathError.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, nil)
}

// Parse parses a config file: it expands ${ENV} in scalar values with
// lookup (nil means os.LookupEnv), fills defaults, decodes and validates.
// On any problem it returns a nil Config and Errors holding every problem
// it found, in line order.
func Parse(data []byte, lookup func(string) (string, bool)) (*Config, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	root, errs := parseYAML(data)
	if len(errs) > 0 {
		return nil, errs
	}
	d := &decoder{
		pos:      positions{},
		expanded: map[*yaml.Node]bool{},
		active:   map[*yaml.Node]bool{},
		failed:   map[string]bool{},
	}
	nodes := expandTree(root, "", lookup, d.expanded, &d.errs)
	for _, e := range d.errs {
		d.failed[e.Path] = true // the value was left at its default
	}
	// Without aliases the decoder visits each node at most once; the slack
	// lets aliases reuse parts of the file a few times over.
	d.budget = 10*nodes + 1000
	cfg := &Config{}
	cfg.setDefaults()
	if root != nil {
		d.decode(root, reflect.ValueOf(cfg).Elem(), "")
	}
	errs = append(d.errs, withoutCascades(validate(cfg, d.pos), d.failed)...)
	if len(errs) > 0 {
		errs = dedupe(errs)
		errs.sortByLine()
		return nil, errs
	}
	return cfg, nil
}

// parseYAML parses data into its single document's root node, or nil for
// an empty file. More than one document is an error: a second one would
// otherwise be silently ignored.
func parseYAML(data []byte) (*yaml.Node, Errors) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, Errors{syntaxError(err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, Errors{{Line: next.Line, Msg: "a second YAML document (---); a config file holds one"}}
	case !errors.Is(err, io.EOF):
		return nil, Errors{syntaxError(err)}
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0], nil
	}
	return nil, nil
}

// yamlLine matches the line yaml.v3 puts at the front of syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parserProblems are the messages of yaml.v3's parser (as opposed to its
// scanner). For these, yaml.v3 v3.0.6 reports the 0-based line of the
// construct being parsed (and no line at all for the first), so the
// 1-based line is one more than it says.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found undefined tag handle":             true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// syntaxError turns a yaml.v3 syntax error into an Error with its line.
func syntaxError(err error) Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = err.Error()[len(m[0]):]
	}
	if parserProblems[msg] {
		line++
	}
	return Error{Line: line, Msg: "invalid YAML: " + msg}
}

// withoutCascades drops validation errors at or below a path that already
// has a decoding error: a value that failed to decode was left at its
// default, and complaining about the default too would only confuse.
func withoutCascades(checked Errors, failed map[string]bool) Errors {
	if failed[""] {
		return nil // the file as a whole could not be decoded
	}
	var out Errors
	for _, e := range checked {
		cascade := false
		for p := e.Path; p != "" && !cascade; p = parentPath(p) {
			cascade = failed[p]
		}
		if !cascade {
			out = append(out, e)
		}
	}
	return out
}

// dedupe drops repeated errors, which a mapping merged in more than once
// with "<<" can produce.
func dedupe(errs Errors) Errors {
	seen := make(map[Error]bool, len(errs))
	out := errs[:0]
	for _, e := range errs {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}
