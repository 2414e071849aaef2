package anthropic

// This scanner is internal/openai's, copied rather than shared: each
// dialect package stands alone, and the copy is small and fuzzed here too.

import (
	"bytes"
	"encoding/json"
)

// eachMember calls fn for every member of the top-level JSON object in
// data, with the member's key and the span of its value. data must be
// valid JSON (json.Valid); that lets the scanner skip values by counting
// brackets without re-validating them, and without allocating.
func eachMember(data []byte, fn func(key []byte, start, end int) *RequestError) *RequestError {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return &RequestError{Message: "The request body must be a JSON object."}
	}
	i = skipSpace(data, i+1)
	if data[i] == '}' {
		return nil
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
		if err := fn(key, i, end); err != nil {
			return err
		}
		i = skipSpace(data, end)
		if data[i] == '}' {
			return nil
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
