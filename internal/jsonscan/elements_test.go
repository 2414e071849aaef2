package jsonscan

import (
	"encoding/json"
	"testing"
)

func TestElements(t *testing.T) {
	data := []byte(` [ 1 , {"x":"],"}, "s\"]" ,null,[[]] ] `)
	var got []string
	ok := Elements(data, func(start, end int) bool {
		got = append(got, string(data[start:end]))
		return true
	})
	want := []string{`1`, `{"x":"],"}`, `"s\"]"`, `null`, `[[]]`}
	if !ok || len(got) != len(want) {
		t.Fatalf("Elements = %v %q", ok, got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d = %q, want %q", i, got[i], want[i])
		}
	}
	n := 0
	Elements(data, func(int, int) bool { n++; return false })
	if n != 1 {
		t.Fatalf("fn returned false but was called %d times", n)
	}
	if !Elements([]byte(` [ ] `), func(int, int) bool { t.Fatal("element in an empty array"); return true }) {
		t.Fatal("[] not taken for an array")
	}
	for _, notArray := range []string{`{}`, `"x"`, `3`, `null`} {
		if Elements([]byte(notArray), func(int, int) bool { return true }) {
			t.Errorf("%s taken for an array", notArray)
		}
	}
}

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
	for _, s := range []string{`[]`, `[1,"a",{"b":[2]}]`, `["\"]",null]`, `{}`, ` [ [ ] , 1e5 ] `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		var whole []json.RawMessage
		isArray := json.Unmarshal(data, &whole) == nil && whole != nil
		var seen []string
		ok := Elements(data, func(start, end int) bool {
			seen = append(seen, string(data[start:end]))
			return true
		})
		if ok != isArray {
			t.Fatalf("Elements says array=%v, encoding/json %v", ok, isArray)
		}
		if len(seen) != len(whole) {
			t.Fatalf("%d elements, encoding/json found %d", len(seen), len(whole))
		}
		for i := range seen {
			if seen[i] != string(whole[i]) {
				t.Fatalf("element %d = %q, encoding/json %q", i, seen[i], whole[i])
			}
		}
	})
}
