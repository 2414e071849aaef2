package jsonscan

// maxDepth is encoding/json's limit on nesting: deeper documents are not
// valid to it, so they are not to Valid either.
const maxDepth = 10000

// Valid reports whether data is exactly one JSON value, with the same
// answer as encoding/json's Valid (which also accepts invalid UTF-8 inside
// strings), at a fraction of its cost: it walks the bytes once with a
// hand-written loop instead of a state machine called per byte. It is not
// recursive, so deep nesting does not grow the caller's stack.
func Valid(data []byte) bool {
	var inline [64]byte
	stack := inline[:0] // the open containers, '{' or '['
	i := skipSpace(data, 0)
	n := len(data)
value:
	if i >= n {
		return false
	}
	switch c := data[i]; {
	case c == '{' || c == '[':
		stack = append(stack, c)
		if len(stack) > maxDepth {
			return false
		}
		i = skipSpace(data, i+1)
		if i < n && data[i] == c+2 { // '}' is '{'+2, ']' is '['+2
			stack = stack[:len(stack)-1]
			i++
			goto after
		}
		if c == '{' {
			goto key
		}
		goto value
	case c == '"':
		if i = validString(data, i); i < 0 {
			return false
		}
	case c == 't':
		if i = literal(data, i, "true"); i < 0 {
			return false
		}
	case c == 'f':
		if i = literal(data, i, "false"); i < 0 {
			return false
		}
	case c == 'n':
		if i = literal(data, i, "null"); i < 0 {
			return false
		}
	case c == '-' || c >= '0' && c <= '9':
		if i = validNumber(data, i); i < 0 {
			return false
		}
	default:
		return false
	}
after:
	i = skipSpace(data, i)
	if len(stack) == 0 {
		return i == n
	}
	if i >= n {
		return false
	}
	switch open := stack[len(stack)-1]; data[i] {
	case ',':
		i = skipSpace(data, i+1)
		if open == '{' {
			goto key
		}
		goto value
	case open + 2:
		stack = stack[:len(stack)-1]
		i++
		goto after
	}
	return false
key:
	if i >= n || data[i] != '"' {
		return false
	}
	if i = validString(data, i); i < 0 {
		return false
	}
	i = skipSpace(data, i)
	if i >= n || data[i] != ':' {
		return false
	}
	i = skipSpace(data, i+1)
	goto value
}

// literal returns the index past word at data[i:], or -1.
func literal(data []byte, i int, word string) int {
	if len(data)-i < len(word) || string(data[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}

// validString returns the index past the string that opens at data[i], or
// -1 when it is not a valid JSON string.
func validString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i >= len(data) {
				return -1
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(data)-i <= 4 {
					return -1
				}
				for _, h := range data[i+1 : i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return -1
					}
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// validNumber returns the index past the number that starts at data[i],
// or -1 when it is not a valid JSON number.
func validNumber(data []byte, i int) int {
	if data[i] == '-' {
		i++
	}
	switch {
	case i >= len(data):
		return -1
	case data[i] == '0':
		i++
	case data[i] >= '1' && data[i] <= '9':
		i = digits(data, i)
	default:
		return -1
	}
	if i < len(data) && data[i] == '.' {
		j := digits(data, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := digits(data, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digits(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}
