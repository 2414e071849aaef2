package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
)

var validSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `-12.0E-3`, `true`, `false`, `null`,
	` {"a" : [1, {"b":"c\"d\\\/\b\f\n\r\t\u00e9"}], "e":null} `,
	`{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":true}`,
	"\"\xff\xfe\"", `{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{1:2}`, `01`, `1.`, `.5`, `1e`, `-`, `+1`,
	`"\u12"`, `"\x"`, "\"a\tb\"", `tru`, `nul`, `truex`, `[`, `{`, `{"a":`, `"abc`, ``, ` `, `[]]`, `{}}`, `1 2`,
}

func TestValidAgreesWithEncodingJSON(t *testing.T) {
	deep := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	deeper := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	for _, s := range append(validSeeds, deep, deeper, `{"a":`+deep+`}`) {
		if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("Valid(%.60q) = %v, encoding/json says %v", s, got, want)
		}
	}
}

func TestValidDoesNotAllocate(t *testing.T) {
	data := []byte(`{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"n":1}`)
	if n := testing.AllocsPerRun(100, func() { Valid(data) }); n != 0 {
		t.Fatalf("Valid allocates %v times", n)
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range validSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := Valid(data), json.Valid(data); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", data, got, want)
		}
	})
}

func BenchmarkValid(b *testing.B) {
	body := []byte(`{"model":"gpt-4o","messages":[` + strings.Repeat(`{"role":"user","content":"Write one short sentence about the sea, please.\n"},`, 1500) + `{"role":"user","content":"ok"}]}`)
	b.Run("jsonscan", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			Valid(body)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			json.Valid(body)
		}
	})
}
