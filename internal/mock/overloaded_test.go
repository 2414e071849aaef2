package mock

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"go.yaml.in/yaml/v3"
)

func TestOverloadedAfterChunksValidation(t *testing.T) {
	for _, tc := range []struct {
		f    Fault
		want string
	}{
		{Fault{OverloadedAfterChunks: -2}, "overloaded_after_chunks = -2; must be >= -1"},
		{Fault{OverloadedAfterChunks: 1, CutAfterChunks: 2}, "cut_after_chunks and overloaded_after_chunks are both set; choose one"},
		{Fault{OverloadedAfterChunks: 1, CutAfterChunks: 2, HangAfterChunks: 3}, "are all set; choose one"},
	} {
		if err := tc.f.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.f, err, tc.want)
		}
	}
	f := Fault{OverloadedAfterChunks: AfterRoleChunk, Share: 0.5}
	if err := f.Validate(); err != nil || f.String() != "overloaded_after_chunks=-1 share=0.5" {
		t.Errorf("valid fault: %v, %s", err, f)
	}
	var fromJSON, fromYAML Fault
	if err := json.Unmarshal([]byte(`{"overloaded_after_chunks":3}`), &fromJSON); err != nil || fromJSON.OverloadedAfterChunks != 3 {
		t.Errorf("JSON: %+v %v", fromJSON, err)
	}
	if err := yaml.Unmarshal([]byte("overloaded_after_chunks: 3\n"), &fromYAML); err != nil || fromYAML.OverloadedAfterChunks != 3 {
		t.Errorf("YAML: %+v %v", fromYAML, err)
	}
}

// In the OpenAI dialect, overload after the 200 is an error event that
// openai-go raises, and the stream ends without [DONE].
func TestOverloadedAfterChunksOpenAIStream(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		content int
	}{
		{"after 2", 2, 2},
		{"after the role chunk", AfterRoleChunk, 0},
		{"longer than the answer", 100, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := newSim(t, Options{})
			p := start(t, sim, "primary", WithTokens(4), WithFault(Fault{OverloadedAfterChunks: tc.n}))
			resp, b := post(t, httpClient(t), p, "/v1/chat/completions", helloStreamBody)
			events := sseEvents(t, b)
			last := events[len(events)-1]
			if resp.StatusCode != 200 || len(events) != 2+tc.content || contains(b, "[DONE]") || contains(b, `"finish_reason":"`) ||
				last != `{"error":{"message":"The server is overloaded or not ready yet.","type":"server_error","param":null,"code":null}}` {
				t.Fatalf("want the role chunk, %d content chunks and an error event, got:\n%s", tc.content, b)
			}

			client := sdk(t, p)
			stream := client.Chat.Completions.NewStreaming(testContext(t), userParams("hello"))
			defer stream.Close()
			n := 0
			for stream.Next() {
				if c := stream.Current(); len(c.Choices) > 0 && c.Choices[0].Delta.Content != "" {
					n++
				}
			}
			if se, ok := errors.AsType[*ssestream.StreamError](stream.Err()); !ok || !strings.Contains(se.Message, "overloaded") || n != tc.content {
				t.Errorf("%d content chunks, then %v; want %d, then the error event", n, stream.Err(), tc.content)
			}
		})
	}
}

// A non-streamed answer cannot carry an error after a 200: it is a 503.
func TestOverloadedAfterChunksOpenAINonStreamed(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary", WithFault(Fault{OverloadedAfterChunks: 2}))
	client := sdk(t, p)
	_, err := client.Chat.Completions.New(testContext(t), userParams("hi"))
	if apiErr, ok := errors.AsType[*openai.Error](err); !ok || apiErr.StatusCode != 503 || apiErr.Type != "server_error" {
		t.Errorf("%v, want 503 server_error", err)
	}
	// Malformed comes first, as its stage does.
	if err := p.SetFault(Fault{OverloadedAfterChunks: 2, Malformed: true}); err != nil {
		t.Fatal(err)
	}
	if resp, b := post(t, httpClient(t), p, "/v1/chat/completions", helloBody); resp.StatusCode != 200 || json.Valid(b) {
		t.Errorf("malformed and overloaded: %d %s", resp.StatusCode, b)
	}
}
