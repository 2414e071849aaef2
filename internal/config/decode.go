package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decoder fills a Config from a yaml.Node tree. It walks the tree itself,
// rather than using yaml.v3's decoding, so that every problem is reported
// with its key path and line and so that decoding goes on after the first
// problem: a user fixes a file in one pass.
type decoder struct {
	errs Errors
	pos  positions
	// expanded holds scalars whose text came from ${ENV}; their values are
	// not echoed in messages.
	expanded map[*yaml.Node]bool
	// active holds alias targets being decoded, to refuse an alias that
	// contains itself.
	active map[*yaml.Node]bool
	// failed holds the paths of values that could not be decoded and were
	// left at their defaults; validation errors at or under them are
	// dropped as mere consequences.
	failed map[string]bool
	// budget bounds the nodes visited, so that aliases cannot make a small
	// file expand into an enormous amount of work ("billion laughs").
	budget int
}

// Hooks the decoder calls on values it creates. Defaults are filled before
// decoding, so an explicit zero in the file survives.
type (
	defaulter interface{ setDefaults() }
	finisher  interface{ finish() }
)

// errorf records a problem with the file's structure, such as an unknown
// or duplicate key.
func (d *decoder) errorf(path string, line int, format string, args ...any) {
	d.errs = append(d.errs, Error{Path: path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// failf records a value that could not be decoded.
func (d *decoder) failf(path string, line int, format string, args ...any) {
	d.failed[path] = true
	d.errorf(path, line, format, args...)
}

var (
	durationType    = reflect.TypeFor[Duration]()
	byteSizeType    = reflect.TypeFor[ByteSize]()
	percentType     = reflect.TypeFor[Percent]()
	routeTargetType = reflect.TypeFor[RouteTarget]()
)

// decode fills v, which must be settable, from n. A null value (an empty
// value, or ~) leaves v as it is, that is, at its default. The caller
// records the path's line: a key's line reads better than its value's
// when the value is a block starting on the next line.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	line := n.Line // an alias's own line, not its anchor's
	if d.budget--; d.budget < 0 {
		if d.budget == -1 {
			d.failf(path, n.Line, "the file is too large or its aliases expand too much")
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		target := n.Alias
		if target == nil || d.active[target] {
			d.failf(path, n.Line, "alias *%s refers to itself", n.Value)
			return
		}
		d.active[target] = true
		defer delete(d.active, target)
		n = target
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	switch v.Type() {
	case durationType:
		d.decodeScalar(n, v, path, line, func(s string) (any, error) { return parseDuration(s) })
		return
	case byteSizeType:
		d.decodeScalar(n, v, path, line, func(s string) (any, error) { return parseByteSize(s) })
		return
	case percentType:
		d.decodeScalar(n, v, path, line, func(s string) (any, error) { return parsePercent(s) })
		return
	case routeTargetType:
		if n.Kind == yaml.ScalarNode { // the short form: "- sonnet-east"
			d.pos[keyPath(path, "target")] = line
			v.FieldByName("Target").SetString(n.Value)
			return
		}
	}
	d.decodeKind(n, v, path, line)
}

// decodeKind decodes by the kind of v.
func (d *decoder) decodeKind(n *yaml.Node, v reflect.Value, path string, line int) {
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path, line)
	case reflect.Map:
		d.decodeMap(n, v, path, line)
	case reflect.Slice:
		d.decodeSlice(n, v, path, line)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.failf(path, line, "expected a string, got %s", d.describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64:
		d.decodeNumber(n, v, path, line, "!!int")
	case reflect.Float64:
		d.decodeNumber(n, v, path, line, "!!int", "!!float")
	case reflect.Bool:
		d.decodeNumber(n, v, path, line, "!!bool")
	case reflect.Pointer:
		// An optional scalar (*bool): nil means "not set", so that a
		// default can depend on other keys.
		x := reflect.New(v.Type().Elem())
		if v.IsNil() {
			v.Set(x)
			d.decodeKind(n, v.Elem(), path, line)
			if d.failed[path] {
				v.Set(reflect.Zero(v.Type()))
			}
			return
		}
		d.decodeKind(n, v.Elem(), path, line)
	default:
		// Only reachable if config.go gains a field of a new kind.
		panic(fmt.Sprintf("config: cannot decode into %s at %s", v.Type(), path))
	}
}

// decodeScalar decodes a scalar with parse, which returns a value of v's
// type or an error whose text is the message.
func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string, line int, parse func(string) (any, error)) {
	if n.Kind != yaml.ScalarNode {
		d.failf(path, line, "expected a single value, got %s", d.describe(n))
		return
	}
	x, err := parse(n.Value)
	if err != nil {
		msg := err.Error()
		if d.expanded[n] && n.Value != "" {
			msg = "the value from the environment is not valid: " + strings.ReplaceAll(msg, n.Value, "…")
		}
		d.failf(path, line, "%s", msg)
		return
	}
	v.Set(reflect.ValueOf(x))
}

// decodeNumber decodes an integer, float or bool scalar whose YAML tag is
// one of tags.
func (d *decoder) decodeNumber(n *yaml.Node, v reflect.Value, path string, line int, tags ...string) {
	want := map[reflect.Kind]string{reflect.Bool: "true or false", reflect.Float64: "a number"}[v.Kind()]
	if want == "" {
		want = "an integer"
	}
	tag := n.ShortTag()
	ok := n.Kind == yaml.ScalarNode
	if ok {
		ok = false
		for _, t := range tags {
			ok = ok || tag == t
		}
	}
	if !ok {
		d.failf(path, line, "expected %s, got %s", want, d.describe(n))
		return
	}
	x := reflect.New(v.Type())
	if err := n.Decode(x.Interface()); err != nil {
		d.failf(path, line, "%s is out of range", d.describe(n))
		return
	}
	v.Set(x.Elem())
}

// describe names a node's value for a message: a quoted, shortened scalar,
// or its kind. Values that came from the environment are not shown.
func (d *decoder) describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if d.expanded[n] {
		return "a value from the environment"
	}
	s := n.Value
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return strconv.Quote(s)
}

// decodeStruct decodes a mapping into a struct by its yaml tags. Unknown
// keys are errors, with a suggestion when one is close.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.MappingNode {
		d.failf(path, line, "expected a mapping (key: value), got %s", d.describe(n))
		return
	}
	fields := yamlFields(v.Type())
	for _, e := range d.entries(n, path) {
		i, ok := fields[e.key]
		if !ok {
			d.errorf(keyPath(path, e.key), e.keyNode.Line, "unknown key %q%s", e.key, suggest(e.key, fields))
			continue
		}
		d.pos[keyPath(path, e.key)] = e.keyNode.Line
		d.decode(e.value, v.Field(i), keyPath(path, e.key))
	}
	if f, ok := v.Addr().Interface().(finisher); ok {
		f.finish()
	}
}

// yamlFields maps the yaml names of t's fields to their indexes.
func yamlFields(t reflect.Type) map[string]int {
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			fields[name] = i
		}
	}
	return fields
}

// decodeMap decodes a mapping into a map of named entries. Each new entry
// gets its type's defaults before it is decoded, and a null entry
// ("smart:" with nothing under it) is an entry with all defaults, never a
// nil pointer.
func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.MappingNode {
		d.failf(path, line, "expected a mapping of names to entries, got %s", d.describe(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, e := range d.entries(n, path) {
		elem := newElem(v.Type().Elem())
		d.pos[keyPath(path, e.key)] = e.keyNode.Line
		d.decode(e.value, indirect(elem), keyPath(path, e.key))
		v.SetMapIndex(reflect.ValueOf(e.key).Convert(v.Type().Key()), elem)
	}
}

// decodeSlice decodes a sequence into a slice, replacing any default list:
// "on: [429]" means only 429, and "on: []" means nothing.
func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.SequenceNode {
		hint := ""
		if n.Kind == yaml.ScalarNode {
			hint = fmt.Sprintf(" (for one entry write [%s])", n.Value)
			if d.expanded[n] {
				hint = ""
			}
		}
		d.failf(path, line, "expected a list, got %s%s", d.describe(n), hint)
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		elem := newElem(v.Type().Elem())
		d.pos[indexPath(path, i)] = c.Line
		d.decode(c, indirect(elem), indexPath(path, i))
		s.Index(i).Set(elem)
	}
	v.Set(s)
}

// newElem returns a new value of type t (a pointer to a new value when t
// is a pointer type) with its defaults filled in.
func newElem(t reflect.Type) reflect.Value {
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		if def, ok := p.Interface().(defaulter); ok {
			def.setDefaults()
		}
		return p
	}
	p := reflect.New(t)
	if def, ok := p.Interface().(defaulter); ok {
		def.setDefaults()
	}
	return p.Elem()
}

// indirect returns the settable value a new element decodes into.
func indirect(v reflect.Value) reflect.Value {
	if v.Kind() == reflect.Pointer {
		return v.Elem()
	}
	return v
}
