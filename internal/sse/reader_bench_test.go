package sse

import (
	"bytes"
	"io"
	"strconv"
	"testing"
)

// The relay reads every event of a stream with Next. This reads a whole
// 50-chunk OpenAI stream per iteration (a role chunk, 50 content chunks, a
// finish chunk and [DONE]: 53 events) with a new Reader, as the gateway
// does per attempt, and reports the cost per event besides per stream.
//
//	go test -run '^$' -bench ReaderNext -benchmem ./internal/sse/

func openAIStream(chunks int) []byte {
	var b bytes.Buffer
	head := `data: {"id":"chatcmpl-8TJvKEe7jooPMcVNTa493GkdQ7fM9","object":"chat.completion.chunk","created":1795310961,"model":"gpt-4o","service_tier":"default","system_fingerprint":"fp_4c8601ec8c","choices":[{"index":0,"delta":`
	b.WriteString(head + `{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}` + "\n\n")
	for i := range chunks {
		b.WriteString(head + `{"content":" word` + strconv.Itoa(i) + `"},"logprobs":null,"finish_reason":null}]}` + "\n\n")
	}
	b.WriteString(head + `{},"logprobs":null,"finish_reason":"stop"}]}` + "\n\n")
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes()
}

func BenchmarkReaderNext50Chunks(b *testing.B) {
	stream := openAIStream(50)
	const events = 53
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		rd := NewReader(bytes.NewReader(stream))
		n := 0
		for {
			ev, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil || !ev.HasData {
				b.Fatalf("event %d: %v", n, err)
			}
			n++
		}
		if n != events {
			b.Fatalf("read %d events, want %d", n, events)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
}
