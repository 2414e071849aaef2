package translate

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestParseEmbeddingsRefusals(t *testing.T) {
	for _, c := range []struct{ body, param string }{
		{`{"model":"m","input":[1,2,3]}`, "input"},
		{`{"model":"m","input":[[1,2],[3]]}`, "input"},
		{`{"model":"m","input":["a",[3]]}`, "input"},
		{`{"model":"m","input":[]}`, "input"},
		{`{"model":"m","input":""}`, "input"},
		{`{"model":"m","input":["a",""]}`, "input"},
		{`{"model":"m","input":7}`, "input"},
		{`{"model":"m","input":"a","dimensions":0}`, "dimensions"},
		{`{"model":"m","input":"a","dimensions":"x"}`, "dimensions"},
		{`{"model":"m","input":"a","encoding_format":"int8"}`, "encoding_format"},
	} {
		_, err := ParseEmbeddings([]byte(c.body))
		var te *Error
		if !errors.As(err, &te) || te.Param != c.param {
			t.Errorf("%s: err %v, want one naming %q", c.body, err, c.param)
		}
	}
	req, err := ParseEmbeddings([]byte(`{"model":"m","input":["ab","cde"],"dimensions":256,"encoding_format":"base64","user":"u"}`))
	if err != nil || len(req.Inputs) != 2 || req.Inputs[1] != "cde" || req.Dimensions != 256 || !req.Base64 || req.inputBytes != 5 {
		t.Fatalf("%+v %v", req, err)
	}
}

func TestEncodeEmbeddings(t *testing.T) {
	one := &EmbeddingsRequest{Inputs: []string{"hello"}}
	two := &EmbeddingsRequest{Inputs: []string{"a", "b"}, Dimensions: 256}
	tooManyForTitan := &EmbeddingsRequest{Inputs: make([]string, titanMaxBatch+1)}
	for _, c := range []struct {
		d      Dialect
		model  string
		req    *EmbeddingsRequest
		want   string
		refuse string // the param, when refused
	}{
		{Gemini, "gemini-embedding-001", one, `{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"hello"}]}}]}`, ""},
		{Gemini, "g", two, `{"requests":[{"model":"models/g","content":{"parts":[{"text":"a"}]},"outputDimensionality":256},{"model":"models/g","content":{"parts":[{"text":"b"}]},"outputDimensionality":256}]}`, ""},
		{Converse, "amazon.titan-embed-text-v2:0", two, `[{"inputText":"a","dimensions":256,"normalize":true},{"inputText":"b","dimensions":256,"normalize":true}]`, ""},
		{Converse, "us.amazon.titan-embed-text-v2:0", one, `[{"inputText":"hello","normalize":true}]`, ""},
		{Converse, "amazon.titan-embed-text-v2:0", &EmbeddingsRequest{Inputs: []string{"a"}, Dimensions: 300}, "", "dimensions"},
		{Converse, "amazon.titan-embed-text-v1", one, `[{"inputText":"hello"}]`, ""},
		{Converse, "amazon.titan-embed-text-v1", two, "", "dimensions"},
		{Converse, "amazon.titan-embed-text-v2:0", tooManyForTitan, "", "input"},
		{Converse, "cohere.embed-english-v3", &EmbeddingsRequest{Inputs: []string{"a", "b"}}, `{"texts":["a","b"],"input_type":"search_document"}`, ""},
		{Converse, "cohere.embed-multilingual-v3", two, "", "dimensions"},
		{Converse, "meta.llama3-8b-instruct-v1:0", one, "", "model"},
		{Converse, "amazon.titan-embed-image-v1", one, "", "model"},
		{OpenAI, "m", one, "", "model"},
	} {
		got, err := EncodeEmbeddings(c.d, c.model, c.req)
		if c.refuse != "" {
			var te *Error
			if !errors.As(err, &te) || te.Param != c.refuse {
				t.Errorf("%s %s: %s, %v; want a refusal naming %q", c.d, c.model, got, err, c.refuse)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Errorf("%s %s:\n got %s %v\nwant %s", c.d, c.model, got, err, c.want)
		}
	}
	many := &EmbeddingsRequest{Inputs: make([]string, 101)}
	if _, err := EncodeEmbeddings(Gemini, "g", many); err == nil {
		t.Error("101 inputs to Gemini: no refusal")
	}
	if _, err := EncodeEmbeddings(Converse, "cohere.embed-english-v3", many); err == nil {
		t.Error("101 inputs to Cohere: no refusal")
	}
}

type openAIEmbeddingsAnswer struct {
	Object string `json:"object"`
	Data   []struct {
		Object    string          `json:"object"`
		Index     int             `json:"index"`
		Embedding json.RawMessage `json:"embedding"`
	} `json:"data"`
	Model string `json:"model"`
	Usage struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

func TestDecodeEmbeddings(t *testing.T) {
	req := &EmbeddingsRequest{Inputs: []string{"abcdefgh", "ijkl"}, inputBytes: 12}
	for _, c := range []struct {
		d           Dialect
		model, body string
		tokens      int
	}{
		{Gemini, "g", `{"embeddings":[{"values":[0.5,-0.25]},{"values":[1,0]}]}`, 3},
		{Converse, "amazon.titan-embed-text-v2:0", `[{"embedding":[0.5,-0.25],"inputTextTokenCount":4},{"embedding":[1,0],"inputTextTokenCount":2}]`, 6},
		{Converse, "cohere.embed-english-v3", `{"id":"x","embeddings":[[0.5,-0.25],[1,0]],"texts":["abcdefgh","ijkl"],"response_type":"embeddings_floats"}`, 3},
	} {
		for _, b64 := range []bool{false, true} {
			req.Base64 = b64
			out, err := DecodeEmbeddings(c.d, c.model, req, []byte(c.body))
			if err != nil {
				t.Fatalf("%s: %v", c.model, err)
			}
			var got openAIEmbeddingsAnswer
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%s: %s: %v", c.model, out, err)
			}
			if got.Object != "list" || len(got.Data) != 2 || got.Model != c.model || got.Usage.PromptTokens != c.tokens || got.Usage.TotalTokens != c.tokens {
				t.Fatalf("%s: %s", c.model, out)
			}
			for i, want := range [][]float32{{0.5, -0.25}, {1, 0}} {
				d := got.Data[i]
				if d.Object != "embedding" || d.Index != i {
					t.Fatalf("%s: item %d: %s", c.model, i, out)
				}
				if v := vector(t, d.Embedding, b64); len(v) != 2 || v[0] != want[0] || v[1] != want[1] {
					t.Fatalf("%s base64=%v: vector %d = %v, want %v", c.model, b64, i, v, want)
				}
			}
		}
	}
	for _, c := range []struct {
		d           Dialect
		model, body string
	}{
		{Gemini, "g", `{"embeddings":[{"values":[0.5]}]}`},             // one short
		{Gemini, "g", `{"embeddings":[{"values":[]},{"values":[1]}]}`}, // empty
		{Gemini, "g", `[]`},
		{Converse, "amazon.titan-embed-text-v2:0", `{"embedding":[1],"inputTextTokenCount":1}`},
		{Converse, "cohere.embed-english-v3", `{"embeddings":{"float":[[1],[2]]}}`},
		{Converse, "meta.llama3", `{}`},
	} {
		if _, err := DecodeEmbeddings(c.d, c.model, req, []byte(c.body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s %s: err %v, want ErrMalformed", c.model, c.body, err)
		}
	}
}

// vector reads an OpenAI embedding, a JSON array or base64 of
// little-endian float32s.
func vector(t *testing.T, raw json.RawMessage, b64 bool) []float32 {
	t.Helper()
	var v []float32
	if !b64 {
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("embedding %s: %v", raw, err)
		}
		return v
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("base64 embedding %s: %v", raw, err)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b)%4 != 0 {
		t.Fatalf("base64 embedding %s: %v", s, err)
	}
	for i := 0; i < len(b); i += 4 {
		v = append(v, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
	}
	return v
}

// FuzzEmbeddings: no request or answer makes the codecs panic, a request
// they accept translates, and an answer they accept is valid JSON with
// one vector per input.
func FuzzEmbeddings(f *testing.F) {
	f.Add([]byte(`{"model":"m","input":["a","b"],"dimensions":256,"encoding_format":"base64"}`), []byte(`{"embeddings":[{"values":[1]},{"values":[2]}]}`))
	f.Add([]byte(`{"model":"m","input":"a"}`), []byte(`[{"embedding":[1,2],"inputTextTokenCount":1}]`))
	f.Add([]byte(`{"model":"m","input":[[1,2]]}`), []byte(`{"embeddings":[[0.1]]}`))
	f.Add([]byte(`{"input":null}`), []byte(`{"embeddings":null}`))
	models := []struct {
		d     Dialect
		model string
	}{{Gemini, "g"}, {Converse, "amazon.titan-embed-text-v2:0"}, {Converse, "amazon.titan-embed-text-v1"}, {Converse, "cohere.embed-english-v3"}}
	f.Fuzz(func(t *testing.T, request, answer []byte) {
		req, err := ParseEmbeddings(request)
		if err != nil {
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		for _, m := range models {
			body, err := EncodeEmbeddings(m.d, m.model, req)
			if err == nil && !json.Valid(body) {
				t.Fatalf("%s: invalid JSON %s", m.model, body)
			}
			out, err := DecodeEmbeddings(m.d, m.model, req, answer)
			if err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("%s: %v does not wrap ErrMalformed", m.model, err)
				}
				continue
			}
			var got openAIEmbeddingsAnswer
			if json.Unmarshal(out, &got) != nil || len(got.Data) != len(req.Inputs) {
				t.Fatalf("%s: answer %s for %d inputs", m.model, out, len(req.Inputs))
			}
		}
	})
}
