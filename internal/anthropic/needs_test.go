package anthropic

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/backstophq/backstop/internal/needs"
	"github.com/backstophq/backstop/internal/tokens"
)

func TestParseMessagesNeeds(t *testing.T) {
	const head = `{"model":"m","max_tokens":1024,`
	tests := []struct {
		name string
		body string
		want needs.Needs
	}{
		{"text only", head + `"messages":[{"role":"user","content":"hi"}]}`, needs.Needs{}},
		{"image block", head + `"messages":[{"role":"user","content":[{"type":"text","text":"what"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]}]}`,
			needs.Needs{Images: true, ImageParam: "messages[0].content[1]"}},
		{"image in a tool result", head + `"messages":[{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"shot","input":{}}]},` +
			`{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"here"},{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}]}]}]}`,
			needs.Needs{Images: true, ImageParam: "messages[2].content[0].content[1]"}},
		{"the word image in text is no image", head + `"messages":[{"role":"user","content":"\"image\""}]}`, needs.Needs{}},
		{"tools", head + `"messages":[{"role":"user","content":"x"}],"tools":[{"name":"f","input_schema":{}}]}`, needs.Needs{Tools: true}},
		{"output_format json_schema", head + `"messages":[{"role":"user","content":"x"}],"output_format":{"type":"json_schema","schema":{}}}`, needs.Needs{JSONSchema: true}},
		{"output_config format", head + `"messages":[{"role":"user","content":"x"}],"output_config":{"format":{"type":"json_schema","schema":{}}}}`, needs.Needs{JSONSchema: true}},
		{"Claude Code's output_config is no schema", head + `"messages":[{"role":"user","content":"x"}],"output_config":{"effort":"medium"}}`, needs.Needs{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, rerr := ParseMessages([]byte(tt.body))
			if rerr != nil {
				t.Fatal(rerr)
			}
			got := req.Needs
			if got.PromptBytes <= 0 {
				t.Errorf("PromptBytes = %d", got.PromptBytes)
			}
			got.PromptBytes = 0
			if got.MaxTokens != 1024 {
				t.Errorf("MaxTokens = %d, want the body's 1024", got.MaxTokens)
			}
			got.MaxTokens = 0
			if got != tt.want {
				t.Errorf("needs = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPromptTokensCountsSystemMessagesTools(t *testing.T) {
	system := `[{"type":"text","text":"` + strings.Repeat("s", 400) + `"}]`
	messages := `[{"role":"user","content":"` + strings.Repeat("m", 800) + `"}]`
	tools := `[{"name":"f","input_schema":{"type":"object"}}]`
	body := []byte(`{"model":"m","max_tokens":50000,"system":` + system + `,"messages":` + messages + `,"tools":` + tools + `,"metadata":{"user_id":"` + strings.Repeat("u", 999) + `"}}`)
	want := tokens.Estimate(len(system) + len(messages) + len(tools))
	if got := PromptTokens(body); got != want {
		t.Fatalf("PromptTokens = %d, want %d", got, want)
	}
	req, rerr := ParseMessages(body)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if got := tokens.Estimate(req.Needs.PromptBytes); got != want {
		t.Fatalf("the parser's estimate %d differs from count_tokens' %d", got, want)
	}
}

func TestRewriteModelCapped(t *testing.T) {
	tests := []struct {
		name, body string
		limit      int64
		want       string
	}{
		{"over the cap, after the model", `{"model":"r","max_tokens":128000,"messages":[1]}`, 8192, `{"model":"claude-x","max_tokens":8192,"messages":[1]}`},
		{"over the cap, before the model", `{"max_tokens":128000,"model":"r","messages":[1]}`, 8192, `{"max_tokens":8192,"model":"claude-x","messages":[1]}`},
		{"under the cap", `{"model":"r","max_tokens":100,"messages":[1]}`, 8192, `{"model":"claude-x","max_tokens":100,"messages":[1]}`},
		{"no cap", `{"model":"r","max_tokens":128000,"messages":[1]}`, 0, `{"model":"claude-x","max_tokens":128000,"messages":[1]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, rerr := ParseMessages([]byte(tt.body))
			if rerr != nil {
				t.Fatal(rerr)
			}
			got := RewriteModelCapped([]byte(tt.body), req, quote("claude-x"), tt.limit)
			if string(got) != tt.want || !json.Valid(got) {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func FuzzParseMessagesNeeds(f *testing.F) {
	f.Add([]byte(`{"model":"m","max_tokens":9,"messages":[{"content":[{"type":"tool_result","content":[{"type":"image"}]}]}]}`))
	f.Add([]byte(`{"model":"m","max_tokens":9,"messages":["image",{"content":"image"}],"output_config":{"format":[]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, rerr := ParseMessages(body)
		if rerr != nil {
			return
		}
		if req.Needs.Images != (req.Needs.ImageParam != "") {
			t.Fatalf("Images %v with ImageParam %q", req.Needs.Images, req.Needs.ImageParam)
		}
		if out := RewriteModelCapped(body, req, quote("x"), 3); !json.Valid(out) {
			t.Fatalf("capped rewrite is not JSON: %s", out)
		}
	})
}
