package anthropic

import (
	"strings"
	"testing"
)

// What the gateway does to every Messages body before the first attempt:
// read its top level (ParseMessages) and put the target's model in
// (RewriteModel), on a small body and on a 100 KB one (Claude Code sends
// 50-80 KB).
//
//	go test -run '^$' -bench ParseRewrite -benchmem ./internal/anthropic/

func benchParseRewrite(b *testing.B, body []byte) {
	model := quote("claude-sonnet-4-5-20250929")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req, rerr := ParseMessages(body)
		if rerr != nil {
			b.Fatal(rerr)
		}
		if out := RewriteModel(body, req, model); len(out) <= len(body) {
			b.Fatalf("rewritten body of %d bytes, want more than %d", len(out), len(body))
		}
	}
}

func BenchmarkParseRewriteSmall(b *testing.B) {
	benchParseRewrite(b, []byte(`{"model":"smart","max_tokens":1024,"system":"You are terse.",`+
		`"messages":[{"role":"user","content":"Write one short sentence about the sea."}],"stream":true}`))
}

func BenchmarkParseRewrite100KB(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"model":"smart","max_tokens":32000,"system":[{"type":"text","text":"Summarise the document.","cache_control":{"type":"ephemeral"}}],"messages":[`)
	for i := 0; sb.Len() < 100<<10; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`{"role":"user","content":[{"type":"text","text":"` + strings.Repeat("The quick brown fox jumps over the lazy dog. ", 40) + `"}]}`)
	}
	sb.WriteString(`],"stream":true}`)
	benchParseRewrite(b, []byte(sb.String()))
}
