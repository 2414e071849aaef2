package openai

import (
	"strings"
	"testing"
)

// What the gateway does to every request body before the first attempt:
// read its top level (ParseChat) and put the target's model in
// (RewriteModel), on a small body and on a 100 KB one (a long prompt).
//
//	go test -run '^$' -bench ParseRewrite -benchmem ./internal/openai/

func benchParseRewrite(b *testing.B, body []byte) {
	model := Quote("gpt-4o-mini-2024-07-18")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req, rerr := ParseChat(body)
		if rerr != nil {
			b.Fatal(rerr)
		}
		if out := RewriteModel(body, req, model); len(out) <= len(body) {
			b.Fatalf("rewritten body of %d bytes, want more than %d", len(out), len(body))
		}
	}
}

func BenchmarkParseRewriteSmall(b *testing.B) {
	benchParseRewrite(b, []byte(`{"model":"smart","messages":[{"role":"system","content":"You are terse."},`+
		`{"role":"user","content":"Write one short sentence about the sea."}],"temperature":0.2,"stream":true,`+
		`"stream_options":{"include_usage":true}}`))
}

func BenchmarkParseRewrite100KB(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"model":"smart","messages":[{"role":"system","content":"Summarise the document."}`)
	for sb.Len() < 100<<10 {
		sb.WriteString(`,{"role":"user","content":"` + strings.Repeat("The quick brown fox jumps over the lazy dog. ", 40) + `"}`)
	}
	sb.WriteString(`],"max_tokens":500}`)
	benchParseRewrite(b, []byte(sb.String()))
}
