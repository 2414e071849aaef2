package openai

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestParseChatAndRewrite(t *testing.T) {
	body := []byte(`{ "messages":[{"role":"user","content":"model \"x\""}], "model" : "smart", "stream":true,` +
		`"stream_options":{"include_usage":true},"x_unknown":{"nested":["model",{"model":"no"}]} }`)
	req, rerr := ParseChat(body)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if req.Model != "smart" || !req.Stream || !req.IncludeUsage {
		t.Fatalf("parsed %+v", req)
	}
	out := RewriteModel(body, req, Quote("gpt-4o-mini"))
	want := bytes.Replace(body, []byte(`"smart"`), []byte(`"gpt-4o-mini"`), 1)
	if !bytes.Equal(out, want) {
		t.Fatalf("rewrite changed more than the model:\n%s\nwant\n%s", out, want)
	}
}

func TestParseChatEscapedKeyAndModel(t *testing.T) {
	body := []byte(`{"mod\u0065l":"r\u00e9sum\u00e9","messages":[{}]}`)
	req, rerr := ParseChat(body)
	if rerr != nil || req.Model != "résumé" {
		t.Fatalf("req %+v err %v", req, rerr)
	}
	out := RewriteModel(body, req, Quote("m"))
	if string(out) != `{"mod\u0065l":"m","messages":[{}]}` {
		t.Fatalf("rewrite = %s", out)
	}
}

func TestParseChatRefusals(t *testing.T) {
	tests := []struct {
		body, param, contains string
	}{
		{`{"model":"a",`, "", "could not parse the JSON body"},
		{``, "", "body is empty"},
		{`[1,2]`, "", "must be a JSON object"},
		{`"x"`, "", "must be a JSON object"},
		{`{"messages":[{"role":"user","content":"hi"}]}`, "model", "must provide a model"},
		{`{"model":"","messages":[{}]}`, "model", "must provide a model"},
		{`{"model":42,"messages":[{}]}`, "model", "expected a string, but got an integer"},
		{`{"model":"a","messages":"hi"}`, "messages", "expected an array, but got a string"},
		{`{"model":"a","messages":[ ]}`, "messages", "at least one message"},
		{`{"model":"a"}`, "messages", "Missing required parameter: 'messages'"},
		{`{"model":"a","messages":[{}],"stream":"yes"}`, "stream", "expected a boolean, but got a string"},
		{`{"model":"a","messages":[{}],"stream_options":{"include_usage":1}}`, "stream_options.include_usage", "expected a boolean"},
		{`{"model":"a","messages":[{}],"stream_options":3.5}`, "stream_options", "expected an object, but got a number"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			_, rerr := ParseChat([]byte(tt.body))
			if rerr == nil {
				t.Fatal("accepted")
			}
			if rerr.Param != tt.param || !strings.Contains(rerr.Message, tt.contains) {
				t.Fatalf("got param %q message %q; want param %q containing %q", rerr.Param, rerr.Message, tt.param, tt.contains)
			}
		})
	}
}

func FuzzParseChat(f *testing.F) {
	for _, s := range []string{
		`{"model":"smart","messages":[{"role":"user","content":"hi"}],"stream":true}`,
		`{"messages":[{"role":"user","content":"}{\"model\""}],"model":"m"}`,
		`{"model":"a","messages":[]}`,
		`{"mod\u0065l":"x","messages":[1]}`,
		` { "model" : "x" , "messages" : [ [ ] ] } `,
		`{"model":1}`,
		`not json`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, rerr := ParseChat(body)
		if rerr != nil {
			return
		}
		out := RewriteModel(body, req, Quote("target-model"))
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

func TestParseEmbeddings(t *testing.T) {
	body := []byte(`{"input":["a","b"],"model":"emb","encoding_format":"base64"}`)
	req, rerr := ParseEmbeddings(body)
	if rerr != nil || req.Model != "emb" || req.Stream {
		t.Fatalf("%+v %v", req, rerr)
	}
	if got := string(RewriteModel(body, req, Quote("text-embedding-3-small"))); got != `{"input":["a","b"],"model":"text-embedding-3-small","encoding_format":"base64"}` {
		t.Fatalf("rewrite = %s", got)
	}
	for body, param := range map[string]string{
		`{"input":"a"}`:                "model",
		`{"model":"emb"}`:              "input",
		`{"model":"emb","input":null}`: "input",
		`{"model":3,"input":"a"}`:      "model",
	} {
		if _, rerr := ParseEmbeddings([]byte(body)); rerr == nil || rerr.Param != param {
			t.Errorf("%s: %v, want an error on %s", body, rerr, param)
		}
	}
}
