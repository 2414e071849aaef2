package translate

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// marshal encodes v as compact JSON without escaping <, > and &, so that
// prompts and schemas keep their bytes.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// appendString appends s as a JSON string literal. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does, so the output is always valid JSON.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			if r == utf8.RuneError {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, `\u202`...)
				dst = append(dst, "89"[r-'\u2028'])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, `\n`...)
	case '\r':
		return append(dst, `\r`...)
	case '\t':
		return append(dst, `\t`...)
	case '\b':
		return append(dst, `\b`...)
	case '\f':
		return append(dst, `\f`...)
	}
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
}

// appendInt appends n in decimal.
func appendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }

var emptyObject = json.RawMessage(`{}`)

// objectOrEmpty returns raw compacted when it is a JSON object, and {}
// otherwise. It is how OpenAI's arguments string becomes Anthropic's input
// object: "" (which OpenAI's own SDKs treat as no arguments) and invalid
// or non-object JSON (which no tool could have accepted) both become {}.
// The second case loses the text; docs/translation.md says so.
func objectOrEmpty(raw []byte) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' || !json.Valid(raw) {
		return emptyObject
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return emptyObject
	}
	return buf.Bytes()
}

// isNull reports whether raw is absent or the JSON null.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// decodeStringOrArray reads a field that holds a JSON string or an array.
// It returns the string and ok=true for a string, and leaves arr filled
// for an array.
func decodeStringOrArray(raw json.RawMessage, arr any) (s string, isString bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		err = json.Unmarshal(raw, &s)
		return s, true, err
	}
	if len(raw) > 0 && raw[0] == '[' {
		return "", false, json.Unmarshal(raw, arr)
	}
	return "", false, errNotStringOrArray
}

var errNotStringOrArray = errors.New("not a string or an array")

// fieldError turns a json.Unmarshal failure of the client's request into
// an *Error naming the field when encoding/json knows it.
func fieldError(err error) *Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return refuse(te.Field, "%s must be %s, not %s.", te.Field, jsonTypeName(te.Type.Kind().String()), te.Value)
	}
	return refuse("", "The request body is not valid JSON: %v.", err)
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr", "interface":
		return "a different type"
	}
	return "a number"
}
