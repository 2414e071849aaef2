package jsonscan

import (
	"encoding/json"
	"testing"
)

func TestMembers(t *testing.T) {
	data := []byte(` { "a" : [1,{"x":"]}"}], "b\u0063" :"s\"}", "d":null , "e":{"f":[]} } `)
	var got []string
	ok := Members(data, func(key []byte, start, end int) bool {
		got = append(got, string(key)+"="+string(data[start:end]))
		return true
	})
	want := []string{`a=[1,{"x":"]}"}]`, `bc="s\"}"`, `d=null`, `e={"f":[]}`}
	if !ok || len(got) != len(want) {
		t.Fatalf("Members = %v %q", ok, got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("member %d = %q, want %q", i, got[i], want[i])
		}
	}
	n := 0
	Members(data, func([]byte, int, int) bool { n++; return false })
	if n != 1 {
		t.Fatalf("fn returned false but was called %d times", n)
	}
	for _, notObject := range []string{`[1]`, `"x"`, `3`, `null`} {
		if Members([]byte(notObject), func([]byte, int, int) bool { return true }) {
			t.Errorf("%s taken for an object", notObject)
		}
	}
}

func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[{"c":"d"}]}`, `{"k\"ey":"v\\"}`, `[1]`, ` {"a" : { } } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		var whole map[string]json.RawMessage
		isObject := json.Unmarshal(data, &whole) == nil
		seen := map[string]json.RawMessage{}
		ok := Members(data, func(key []byte, start, end int) bool {
			if !json.Valid(data[start:end]) {
				t.Fatalf("value of %q is not JSON: %q", key, data[start:end])
			}
			seen[string(key)] = data[start:end]
			return true
		})
		if ok != isObject {
			t.Fatalf("Members says object=%v, encoding/json %v", ok, isObject)
		}
		if ok && len(seen) != len(whole) {
			t.Fatalf("%d members, encoding/json found %d", len(seen), len(whole))
		}
	})
}

func TestStringAndSplice(t *testing.T) {
	if s, ok := String([]byte(`"r\u00e9sum\u00e9"`)); !ok || s != "résumé" {
		t.Fatalf("String = %q %v", s, ok)
	}
	for _, v := range []string{`7`, `null`, `["a"]`, ``} {
		if _, ok := String([]byte(v)); ok {
			t.Errorf("String(%s) taken for a string", v)
		}
	}
	if got := string(Splice([]byte(`{"a":1,"b":2}`), 5, 6, []byte(`"x"`))); got != `{"a":"x","b":2}` {
		t.Fatalf("Splice = %s", got)
	}
}
