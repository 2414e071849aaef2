package jsonscan

import (
	"encoding/json"
	"testing"
)

func TestElementsFieldInt(t *testing.T) {
	data := []byte(` [ 1, "a,]", {"k":[2,3]} ,[] ] `)
	var got []string
	if !Elements(data, func(start, end int) bool { got = append(got, string(data[start:end])); return true }) {
		t.Fatal("not an array")
	}
	if want := []string{`1`, `"a,]"`, `{"k":[2,3]}`, `[]`}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("elements %q", got)
	}
	if Elements([]byte(`{"a":1}`), func(int, int) bool { return true }) {
		t.Fatal("an object is not an array")
	}
	if v := Field([]byte(`{"a":1,"type" : "image"}`), "type"); string(v) != `"image"` {
		t.Fatalf("Field = %s", v)
	}
	if v := Field([]byte(`[1]`), "type"); v != nil {
		t.Fatalf("Field of an array = %s", v)
	}
	for in, want := range map[string]int64{"0": 0, "4096": 4096, "-1": -1, "1.5": -1, "1e3": -1, "null": -1, "1234567890123456789": -1} {
		n, ok := Int([]byte(in))
		if (want < 0) == ok || (ok && n != want) {
			t.Errorf("Int(%s) = %d, %v", in, n, ok)
		}
	}
}

func FuzzElements(f *testing.F) {
	for _, s := range []string{`[]`, `[1,2]`, `[ "a" , {"b":[1]} ]`, `{"a":1}`, `"x"`, `[[],[[]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		var arr []json.RawMessage
		isArray := json.Unmarshal(data, &arr) == nil
		n := 0
		ok := Elements(data, func(start, end int) bool {
			if !json.Valid(data[start:end]) {
				t.Fatalf("element %q is not a value", data[start:end])
			}
			n++
			return true
		})
		if ok != isArray || (isArray && n != len(arr)) {
			t.Fatalf("Elements = %v with %d, encoding/json %v with %d", ok, n, isArray, len(arr))
		}
	})
}
