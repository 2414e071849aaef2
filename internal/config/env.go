package config

import (
	"errors"
	"strings"

	"go.yaml.in/yaml/v3"
)

// expandEnv replaces ${NAME} and ${NAME:-default} in s with the value of
// the variable NAME, and $$ with a single $. A ${NAME:-default} uses the
// default when NAME is unset or empty, as in the shell. A $ followed by
// anything else is kept as is, so a password such as "pa$word" needs no
// escaping. Substituted text is never expanded again: a variable whose
// value holds "${X}" yields exactly that text.
//
// It returns an error for an unset variable without a default, and for a
// malformed reference (unclosed "${", or a name that is not
// [A-Za-z_][A-Za-z0-9_]*).
func expandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 || i == len(s)-1 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			s = s[i+2:]
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", errors.New("unclosed \"${\" (write $$ for a literal $)")
			}
			value, err := expandRef(s[i+2:i+end], lookup)
			if err != nil {
				return "", err
			}
			b.WriteString(value)
			s = s[i+end+1:]
		default:
			b.WriteByte('$')
			s = s[i+1:]
		}
	}
}

// expandRef resolves the inside of one ${...}: "NAME" or "NAME:-default".
func expandRef(ref string, lookup func(string) (string, bool)) (string, error) {
	name, def, hasDefault := strings.Cut(ref, ":-")
	if !validEnvName(name) {
		return "", errors.New("invalid variable reference \"${" + ref + "}\": use ${NAME} or ${NAME:-default}")
	}
	value, ok := lookup(name)
	if hasDefault && value == "" {
		return def, nil
	}
	if !ok {
		return "", errors.New("environment variable " + name + " is not set (use ${" + name + ":-default} for a default)")
	}
	return value, nil
}

// validEnvName reports whether name is a portable variable name.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range name {
		letter := c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// expandTree expands ${ENV} in every scalar value under n, in place, and
// returns the number of nodes it saw (the decoder's work budget is scaled
// from it). Mapping keys are never expanded: they are names the file
// declares, not values. Alias nodes are skipped, because the node they
// point at is expanded where it is defined.
//
// A plain (unquoted, untagged) scalar whose text changed has its tag
// cleared, so the substituted text is typed afresh: rpm: ${RPM} with
// RPM=600 decodes as the integer 600. Quoted scalars stay strings. Each
// changed node is recorded in expanded so that error messages do not echo
// values that came from the environment, which are often secrets.
func expandTree(n *yaml.Node, path string, lookup func(string) (string, bool), expanded map[*yaml.Node]bool, errs *Errors) int {
	if n == nil {
		return 0
	}
	count := 1
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			count += expandTree(c, path, lookup, expanded, errs)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			count += 1 + expandTree(v, keyPath(path, k.Value), lookup, expanded, errs)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			count += expandTree(c, indexPath(path, i), lookup, expanded, errs)
		}
	case yaml.ScalarNode:
		value, err := expandEnv(n.Value, lookup)
		if err != nil {
			*errs = append(*errs, Error{Path: path, Line: n.Line, Msg: err.Error()})
			// Decode it as null, leaving the default, so that the broken
			// reference is not reported a second time as a bad value.
			n.Value, n.Tag, n.Style = "", "!!null", 0
			return count
		}
		if value != n.Value {
			n.Value = value
			expanded[n] = true
			if n.Style&(yaml.TaggedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
				n.Tag = ""
			}
		}
	}
	return count
}
