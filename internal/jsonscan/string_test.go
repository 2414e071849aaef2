package jsonscan

import (
	"encoding/json"
	"testing"
)

// FuzzString checks String against encoding/json on any input, so that
// the copy-out path for plain strings never disagrees with decoding.
func FuzzString(f *testing.F) {
	for _, s := range []string{`"gpt-4o"`, `"r\u00e9sum\u00e9"`, `"a\"b"`, `"\xff"`, "\"tab\there\"", `"`, `""`, `"a" `, ` "a"`, `7`, `"a"b"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, val []byte) {
		got, ok := String(val)
		var want string
		wantOK := len(val) > 0 && val[0] == '"' && json.Unmarshal(val, &want) == nil
		if ok != wantOK || got != want {
			t.Fatalf("String(%q) = %q %v, encoding/json %q %v", val, got, ok, want, wantOK)
		}
	})
}

func TestStringDoesNotDecodePlainText(t *testing.T) {
	val := []byte(`"gpt-4o-mini"`)
	if n := testing.AllocsPerRun(100, func() { _, _ = String(val) }); n != 1 {
		t.Fatalf("String allocates %v times for a plain string, want 1 (the string)", n)
	}
}
