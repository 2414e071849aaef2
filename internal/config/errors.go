package config

import (
	"sort"
	"strconv"
	"strings"
)

// Error is one problem in a config file, at a dotted key path such as
// "routes.smart.targets[1].target" and a 1-based line (0 when the line is
// unknown, e.g. for a required key that is absent from the file).
type Error struct {
	Path string
	Line int
	Msg  string
}

// Error formats the problem as "PATH: line N: MSG", leaving out the path
// when the problem is about the file as a whole and the line when unknown.
func (e Error) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one file, in line order. Parse returns
// it as its error so that a user fixes a file in one pass, not one
// problem per run.
type Errors []Error

// Error returns one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find a single Error inside Errors.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// sortByLine orders errors by line, keeping the order they were found in
// for errors on the same line. Errors with no line (0) come first: they are
// about keys missing from the file, which a reader fixes at the top.
func (es Errors) sortByLine() {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
}

// keyPath appends a map key or struct field to a dotted path. A key that
// would make the path ambiguous (empty, or holding a dot, bracket, quote or
// space) is written as ["key"], so a route named "gpt-4.1" shows as
// routes["gpt-4.1"].
func keyPath(parent, key string) string {
	if key == "" || strings.ContainsAny(key, ".[]\"' \t\n") {
		return parent + "[" + strconv.Quote(key) + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// indexPath appends a list index to a path: targets[1].
func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// positions maps key paths to the line where their value starts, as
// recorded while decoding, so that validation, which works on the decoded
// Config, can still point at a line.
type positions map[string]int

// line returns the line of path, or of its nearest recorded ancestor when
// the path itself is absent from the file (a required key left out is
// reported on the line of the entry that lacks it). It returns 0 when
// nothing is known, as for a Config built in code.
func (p positions) line(path string) int {
	for path != "" {
		if l, ok := p[path]; ok {
			return l
		}
		path = parentPath(path)
	}
	return 0
}

// parentPath strips the last element from a path: "a.b[2]" → "a.b",
// "a.b" → "a", `a["x.y"]` → "a", "a" → "".
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := openBracket(path); i >= 0 {
			return path[:i]
		}
		return ""
	}
	if i := strings.LastIndexAny(path, ".]"); i >= 0 {
		if path[i] == ']' {
			return path[:i+1]
		}
		return path[:i]
	}
	return ""
}

// openBracket finds the '[' that opens the trailing [..] of path, skipping
// over a quoted key that may itself hold brackets.
func openBracket(path string) int {
	end := len(path) - 1 // the closing ']'
	if end > 0 && path[end-1] == '"' {
		// A quoted key: find the opening quote, honouring \" escapes.
		for i := end - 2; i >= 1; i-- {
			if path[i] == '"' && path[i-1] == '[' && !escaped(path, i) {
				return i - 1
			}
		}
		return -1
	}
	return strings.LastIndexByte(path, '[')
}

// escaped reports whether the byte at i is preceded by an odd number of
// backslashes.
func escaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}
