package translate

import (
	"encoding/json"
	"strings"
)

// Gemini's function parameters and responseSchema are not JSON Schema but
// its OpenAPI 3.0 subset (google.golang.org/genai's Schema type): type
// (upper case), format, title, description, nullable, enum (strings
// only), properties, required, propertyOrdering, items, anyOf, minimum,
// maximum, minItems, maxItems, minLength, maxLength, minProperties,
// maxProperties, pattern, default and example. Gemini refuses a schema
// with any other key, so geminiSchema rewrites a client's JSON Schema into
// that subset:
//
//   - local $ref (into $defs or definitions) is inlined, to a depth of
//     maxSchemaDepth; a recursive schema is cut there;
//   - type ["string","null"] becomes type STRING with nullable;
//   - const becomes a one-value enum; oneOf becomes anyOf; an anyOf member
//     {"type":"null"} becomes nullable; allOf with one member is merged;
//   - formats other than enum, date-time, int32, int64, float and double
//     are dropped, as are additionalProperties, $schema, $id, $defs,
//     definitions, strict, examples and every other unknown key.
//
// What is dropped only loosens the schema: the model may answer a little
// more freely than the client asked, never less.
const maxSchemaDepth = 16

// gmSchemaKeys are copied as they are.
var gmSchemaKeys = []string{"title", "description", "minimum", "maximum", "minItems", "maxItems",
	"minLength", "maxLength", "minProperties", "maxProperties", "pattern", "default", "example", "nullable", "propertyOrdering"}

// gmTypes are the JSON Schema types Gemini has (upper-cased); a type it
// lacks is dropped.
var gmTypes = map[string]bool{"string": true, "number": true, "integer": true, "boolean": true, "array": true, "object": true}

var gmFormats = map[string]bool{"enum": true, "date-time": true, "int32": true, "int64": true, "float": true, "double": true}

// geminiSchema rewrites a JSON Schema for Gemini. A schema that is not a
// JSON object is returned as nil (no parameters).
func geminiSchema(raw json.RawMessage) json.RawMessage {
	if isNull(raw) {
		return nil
	}
	var root map[string]any
	if json.Unmarshal(raw, &root) != nil {
		return nil
	}
	out, _ := marshal(gmSchemaNode(root, root, 0))
	return out
}

func gmSchemaNode(s, root map[string]any, depth int) map[string]any {
	out := map[string]any{}
	if depth > maxSchemaDepth {
		return out
	}
	if ref, ok := s["$ref"].(string); ok {
		if target := resolveSchemaRef(root, ref); target != nil {
			for k, v := range gmSchemaNode(target, root, depth+1) {
				out[k] = v
			}
		}
	}
	for _, k := range gmSchemaKeys {
		if v, ok := s[k]; ok {
			out[k] = v
		}
	}
	types, _ := s["type"].([]any)
	if t, ok := s["type"].(string); ok {
		types = []any{t}
	}
	for _, v := range types {
		name, _ := v.(string)
		switch {
		case name == "null":
			out["nullable"] = true
		case gmTypes[name] && out["type"] == nil:
			out["type"] = strings.ToUpper(name)
		}
	}
	if f, ok := s["format"].(string); ok && gmFormats[f] {
		out["format"] = f
	}
	gmSchemaEnum(s, out)
	if props, ok := s["properties"].(map[string]any); ok {
		conv := make(map[string]any, len(props))
		for name, p := range props {
			if ps, ok := p.(map[string]any); ok {
				conv[name] = gmSchemaNode(ps, root, depth+1)
			}
		}
		out["properties"] = conv
		if out["type"] == nil {
			out["type"] = "OBJECT"
		}
	}
	if req, ok := s["required"].([]any); ok {
		out["required"] = req
	}
	switch items := s["items"].(type) {
	case map[string]any:
		out["items"] = gmSchemaNode(items, root, depth+1)
	case []any: // a tuple: Gemini has one items schema, the first fits best
		if len(items) > 0 {
			if first, ok := items[0].(map[string]any); ok {
				out["items"] = gmSchemaNode(first, root, depth+1)
			}
		}
	}
	gmSchemaAlternatives(s, root, depth, out)
	return out
}

// gmSchemaEnum keeps enum and const when their values are strings, the
// only enums Gemini knows.
func gmSchemaEnum(s, out map[string]any) {
	var values []any
	if c, ok := s["const"]; ok {
		values = []any{c}
	} else if e, ok := s["enum"].([]any); ok {
		values = e
	}
	if len(values) == 0 {
		return
	}
	strs := make([]any, 0, len(values))
	for _, v := range values {
		str, ok := v.(string)
		if !ok {
			if v == nil {
				out["nullable"] = true
				continue
			}
			return
		}
		strs = append(strs, str)
	}
	out["enum"] = strs
	if out["type"] == nil {
		out["type"] = "STRING"
	}
}

// gmSchemaAlternatives writes anyOf (from anyOf or oneOf) and merges an
// allOf of one member. {"type":"null"} members become nullable, and an
// anyOf left with one member is merged into the schema.
func gmSchemaAlternatives(s, root map[string]any, depth int, out map[string]any) {
	if all, ok := s["allOf"].([]any); ok && len(all) == 1 {
		if m, ok := all[0].(map[string]any); ok {
			for k, v := range gmSchemaNode(m, root, depth+1) {
				if _, set := out[k]; !set {
					out[k] = v
				}
			}
		}
	}
	alts, ok := s["anyOf"].([]any)
	if !ok {
		alts, ok = s["oneOf"].([]any)
	}
	if !ok {
		return
	}
	var conv []any
	for _, a := range alts {
		m, ok := a.(map[string]any)
		if !ok {
			continue
		}
		if t, _ := m["type"].(string); t == "null" {
			out["nullable"] = true
			continue
		}
		conv = append(conv, gmSchemaNode(m, root, depth+1))
	}
	switch len(conv) {
	case 0:
	case 1:
		for k, v := range conv[0].(map[string]any) {
			if _, set := out[k]; !set {
				out[k] = v
			}
		}
	default:
		out["anyOf"] = conv
	}
}

// resolveSchemaRef finds a local reference, "#/$defs/x" or
// "#/definitions/x"; others are not followed.
func resolveSchemaRef(root map[string]any, ref string) map[string]any {
	path, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = root
	for _, seg := range strings.Split(path, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		cur = m[seg]
	}
	m, _ := cur.(map[string]any)
	return m
}
