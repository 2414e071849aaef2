// Package jsonscan walks the top level of a JSON object without decoding
// it: the dialect packages use it to read a request's model and stream
// flags and to splice a new model in, leaving every other byte as it came.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Members calls fn for every member of the top-level JSON object in data,
// with the member's key (unescaped) and the span data[start:end] of its
// value, until fn returns false. It reports false when data is not an
// object. data must be valid JSON (json.Valid): that lets the scanner
// skip values by counting brackets without validating them again, and
// without allocating.
func Members(data []byte, fn func(key []byte, start, end int) bool) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if data[i] == '}' {
		return true
	}
	for {
		// data[i] is the opening quote of a key.
		kEnd := skipString(data, i)
		key := data[i+1 : kEnd-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var s string
			_ = json.Unmarshal(data[i:kEnd], &s)
			key = []byte(s)
		}
		i = skipSpace(data, kEnd)
		i = skipSpace(data, i+1) // the colon
		end := skipValue(data, i)
		if !fn(key, i, end) {
			return true
		}
		i = skipSpace(data, end)
		if data[i] == '}' {
			return true
		}
		i = skipSpace(data, i+1) // the comma
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string that starts at i.
func skipString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// skipValue returns the index just past the value that starts at i.
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = skipString(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	default:
		j := i
		for j < len(data) {
			switch data[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return j
			}
			j++
		}
		return j
	}
}

// Describe names the kind of a JSON value for an error message: "a
// string", "an object", "an array", "a boolean", "null", "an integer" or
// "a number". val must be a valid JSON value.
func Describe(val []byte) string {
	switch val[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if !bytes.ContainsAny(val, ".eE") {
		return "an integer"
	}
	return "a number"
}

// String returns the text of val when it is a JSON string. A string
// without escapes (a model name, usually) is copied out as it is; only
// others are decoded by encoding/json.
func String(val []byte) (string, bool) {
	if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' && plain(val[1:len(val)-1]) {
		return string(val[1 : len(val)-1]), true
	}
	var s string
	if len(val) == 0 || val[0] != '"' || json.Unmarshal(val, &s) != nil {
		return "", false
	}
	return s, true
}

// plain reports whether b is the inside of a JSON string that decodes to
// itself: valid UTF-8 without quotes, backslashes or control characters.
func plain(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(b)
}

// Splice returns a copy of data with data[start:end] replaced by with:
// the way a member's value (a request's model, a chunk's id) is changed
// while every other byte is kept.
func Splice(data []byte, start, end int, with []byte) []byte {
	out := make([]byte, 0, len(data)-(end-start)+len(with))
	out = append(out, data[:start]...)
	out = append(out, with...)
	return append(out, data[end:]...)
}

// Elements calls fn for every element of the JSON array in data (valid
// JSON), with the span data[start:end] of the element, until fn returns
// false. It reports false when data is not an array. Like Members, it
// does not allocate.
func Elements(data []byte, fn func(start, end int) bool) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return true
	}
	for i < len(data) {
		end := skipValue(data, i)
		if !fn(i, end) {
			return true
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] == ']' {
			return true
		}
		i = skipSpace(data, i+1) // the comma
	}
	return true
}

// Field returns the value of the member key of the JSON object in data
// (valid JSON), or nil when data is not an object or has no such member.
func Field(data []byte, key string) []byte {
	var val []byte
	Members(data, func(k []byte, start, end int) bool {
		if string(k) == key {
			val = data[start:end]
			return false
		}
		return true
	})
	return val
}

// IsEmptyArray reports whether val, a valid JSON value, is an array with
// no elements.
func IsEmptyArray(val []byte) bool {
	return len(val) >= 2 && val[0] == '[' && len(bytes.TrimSpace(val[1:len(val)-1])) == 0
}

// Int reads val as a non-negative JSON integer of at most 18 digits,
// without allocating; ok is false for anything else (a sign, a fraction,
// an exponent, null).
func Int(val []byte) (n int64, ok bool) {
	if len(val) == 0 || len(val) > 18 {
		return 0, false
	}
	for _, c := range val {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
