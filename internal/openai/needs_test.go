package openai

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/backstophq/backstop/internal/needs"
)

func TestParseChatNeeds(t *testing.T) {
	tests := []struct {
		name string
		body string
		want needs.Needs
	}{
		{"text only", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, needs.Needs{}},
		{"image part", `{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"what is it"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}`,
			needs.Needs{Images: true, ImageParam: "messages[1].content[1]"}},
		{"the word image_url in text is no image", `{"model":"m","messages":[{"role":"user","content":"say \"image_url\""}]}`, needs.Needs{}},
		{"tools", `{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}]}`, needs.Needs{Tools: true}},
		{"empty tools", `{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[ ]}`, needs.Needs{}},
		{"legacy functions", `{"model":"m","messages":[{"role":"user","content":"x"}],"functions":[{"name":"f"}]}`, needs.Needs{Tools: true}},
		{"json_schema", `{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{}}}}`, needs.Needs{JSONSchema: true}},
		{"json_object is not a schema", `{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}`, needs.Needs{}},
		{"max_tokens", `{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":300}`, needs.Needs{MaxTokens: 300}},
		{"max_completion_tokens wins", `{"model":"m","max_completion_tokens":200,"messages":[{"role":"user","content":"x"}],"max_tokens":300}`, needs.Needs{MaxTokens: 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, rerr := ParseChat([]byte(tt.body))
			if rerr != nil {
				t.Fatal(rerr)
			}
			got := req.Needs
			if got.PromptBytes <= 0 {
				t.Errorf("PromptBytes = %d, want the messages' size", got.PromptBytes)
			}
			got.PromptBytes = 0
			if got != tt.want {
				t.Errorf("needs = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseChatPromptBytes(t *testing.T) {
	messages := `[{"role":"user","content":"` + strings.Repeat("a", 1000) + `"}]`
	tools := `[{"type":"function","function":{"name":"f"}}]`
	req, rerr := ParseChat([]byte(`{"model":"m","messages":` + messages + `,"tools":` + tools + `}`))
	if rerr != nil {
		t.Fatal(rerr)
	}
	if want := len(messages) + len(tools); req.Needs.PromptBytes != want {
		t.Fatalf("PromptBytes = %d, want %d", req.Needs.PromptBytes, want)
	}
}

func TestRewriteModelCapped(t *testing.T) {
	tests := []struct {
		name, body string
		limit      int64
		want       string
	}{
		{"over the cap", `{"max_tokens":9000,"model":"r","messages":[{"role":"user","content":"x"}]}`, 4096,
			`{"max_tokens":4096,"model":"a-longer-model","messages":[{"role":"user","content":"x"}]}`},
		{"both fields, after the model", `{"model":"r","max_completion_tokens":100000,"messages":[1],"max_tokens":5000}`, 4096,
			`{"model":"a-longer-model","max_completion_tokens":4096,"messages":[1],"max_tokens":4096}`},
		{"under the cap is kept", `{"model":"r","max_tokens":100,"messages":[1]}`, 4096,
			`{"model":"a-longer-model","max_tokens":100,"messages":[1]}`},
		{"no max is not added", `{"model":"r","messages":[1]}`, 4096,
			`{"model":"a-longer-model","messages":[1]}`},
		{"no cap", `{"model":"r","max_tokens":9000,"messages":[1]}`, 0,
			`{"model":"a-longer-model","max_tokens":9000,"messages":[1]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			req, rerr := ParseChat(body)
			if rerr != nil {
				t.Fatal(rerr)
			}
			got := RewriteModelCapped(body, req, Quote("a-longer-model"), tt.limit)
			if string(got) != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Fatalf("not JSON: %s", got)
			}
		})
	}
}

func FuzzParseChatNeeds(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}],"max_tokens":5}`))
	f.Add([]byte(`{"model":"m","messages":[{"content":[{"type":"image_url"}]},"image_url"],"tools":[1],"response_format":{"type":"json_schema"}}`))
	f.Add([]byte(`{"model":"m","messages":[[],{"content":"image_url"}],"max_completion_tokens":1e3}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, rerr := ParseChat(body)
		if rerr != nil {
			return
		}
		if req.Needs.Images != (req.Needs.ImageParam != "") {
			t.Fatalf("Images %v with ImageParam %q", req.Needs.Images, req.Needs.ImageParam)
		}
		out := RewriteModelCapped(body, req, Quote("x"), 7)
		if !json.Valid(out) {
			t.Fatalf("capped rewrite is not JSON: %s", out)
		}
	})
}
