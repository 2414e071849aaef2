package jsonscan

// Elements calls fn with the span data[start:end] of every element of the
// JSON array that data holds, until fn returns false. It reports false
// when data is not an array. Like Members, it needs valid JSON, and
// neither validates nor allocates.
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
