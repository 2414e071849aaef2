package anthropic

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func quote(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

func TestParseMessagesAndRewrite(t *testing.T) {
	body := []byte(`{ "max_tokens" : 1024, "messages":[{"role":"user","content":"model \"x\""}], "model" : "smart", "stream":true,` +
		`"system":[{"type":"text","text":"be brief","cache_control":{"type":"ephemeral"}}],"x_unknown":{"nested":["model",{"model":"no"}]} }`)
	req, rerr := ParseMessages(body)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if req.Model != "smart" || !req.Stream || req.MaxTokens != 1024 {
		t.Fatalf("parsed %+v", req)
	}
	out := RewriteModel(body, req, quote("claude-sonnet-4-5"))
	want := bytes.Replace(body, []byte(`"smart"`), []byte(`"claude-sonnet-4-5"`), 1)
	if !bytes.Equal(out, want) {
		t.Fatalf("rewrite changed more than the model:\n%s\nwant\n%s", out, want)
	}
}

func TestParseMessagesEscapedKeyAndModel(t *testing.T) {
	body := []byte(`{"mod\u0065l":"r\u00e9sum\u00e9","max_tokens":1e3,"messages":[{}]}`)
	req, rerr := ParseMessages(body)
	if rerr != nil || req.Model != "résumé" || req.MaxTokens != 1000 || req.Stream {
		t.Fatalf("req %+v err %v", req, rerr)
	}
	if out := RewriteModel(body, req, quote("m")); string(out) != `{"mod\u0065l":"m","max_tokens":1e3,"messages":[{}]}` {
		t.Fatalf("rewrite = %s", out)
	}
}

func TestParseMessagesRefusals(t *testing.T) {
	const ok = `"model":"a","max_tokens":10,"messages":[{"role":"user","content":"hi"}]`
	tests := []struct {
		body, param, contains string
	}{
		{`{"model":"a",`, "", "error parsing the body"},
		{``, "", "body is empty"},
		{`[1,2]`, "", "must be a JSON object"},
		{`{"max_tokens":10,"messages":[{}]}`, "model", "model: Field required"},
		{`{"model":"","max_tokens":10,"messages":[{}]}`, "model", "at least 1 character"},
		{`{"model":7,"max_tokens":10,"messages":[{}]}`, "model", "model: Input should be a valid string, not an integer"},
		{`{"model":"a","messages":[{}]}`, "max_tokens", "max_tokens: Field required"},
		{`{"model":"a","max_tokens":0,"messages":[{}]}`, "max_tokens", "greater than or equal to 1"},
		{`{"model":"a","max_tokens":-5,"messages":[{}]}`, "max_tokens", "greater than or equal to 1"},
		{`{"model":"a","max_tokens":1.5,"messages":[{}]}`, "max_tokens", "fractional part"},
		{`{"model":"a","max_tokens":"10","messages":[{}]}`, "max_tokens", "valid integer, not a string"},
		{`{"model":"a","max_tokens":null,"messages":[{}]}`, "max_tokens", "valid integer, not null"},
		{`{"model":"a","max_tokens":1e30,"messages":[{}]}`, "max_tokens", "valid integer, not a number"},
		{`{"model":"a","max_tokens":10}`, "messages", "messages: Field required"},
		{`{"model":"a","max_tokens":10,"messages":[ ]}`, "messages", "at least one message"},
		{`{"model":"a","max_tokens":10,"messages":{}}`, "messages", "valid list, not an object"},
		{`{` + ok + `,"stream":"yes"}`, "stream", "stream: Input should be a valid boolean, not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			_, rerr := ParseMessages([]byte(tt.body))
			if rerr == nil {
				t.Fatal("accepted")
			}
			if rerr.Param != tt.param || !strings.Contains(rerr.Message, tt.contains) {
				t.Fatalf("got param %q message %q; want param %q containing %q", rerr.Param, rerr.Message, tt.param, tt.contains)
			}
			if e := rerr.AsError(); e.Type != TypeInvalidRequest || e.Message != rerr.Message {
				t.Fatalf("AsError = %+v", e)
			}
		})
	}
	if _, rerr := ParseMessages([]byte(`{` + ok + `,"stream":null}`)); rerr != nil {
		t.Fatalf("stream null refused: %v", rerr)
	}
}

func FuzzParseMessages(f *testing.F) {
	for _, s := range []string{
		`{"model":"smart","max_tokens":1024,"messages":[{"role":"user","content":"hi"}],"stream":true}`,
		`{"messages":[{"role":"user","content":"}{\"model\""}],"model":"m","max_tokens":1}`,
		`{"model":"a","max_tokens":5,"messages":[]}`,
		`{"mod\u0065l":"x","max_tokens":2.0,"messages":[1]}`,
		` { "model" : "x" , "max_tokens" : 9 , "messages" : [ [ ] ] } `,
		`{"model":"x","max_tokens":-0,"messages":[1]}`,
		`{"model":1}`,
		`not json`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, rerr := ParseMessages(body)
		if rerr != nil {
			return
		}
		if req.MaxTokens < 1 || req.Model == "" {
			t.Fatalf("accepted %+v from %s", req, body)
		}
		out := RewriteModel(body, req, quote("target-model"))
		var v map[string]json.RawMessage
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("rewritten body is not JSON: %v\n%s", err, out)
		}
		var model string
		if json.Unmarshal(v["model"], &model) != nil || model != "target-model" {
			t.Fatalf("rewritten model = %s in %s", v["model"], out)
		}
	})
}
