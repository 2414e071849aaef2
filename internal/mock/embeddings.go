package mock

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// defaultDimensions is the length of an embedding when the request does not
// ask for one, that of text-embedding-3-small.
const defaultDimensions = 1536

// maxDimensions bounds what a request may ask for.
const maxDimensions = 8192

type embeddingRequest struct {
	Model      string
	Inputs     []string // token arrays are rendered as their numbers
	Tokens     int      // prompt tokens
	Base64     bool
	Dimensions int
}

func parseEmbeddingRequest(body []byte) (*embeddingRequest, *apiError) {
	o, e := parseObject(body)
	if e != nil {
		return nil, e
	}
	req := &embeddingRequest{Dimensions: defaultDimensions}
	if req.Model, e = requiredModel(o); e != nil {
		return nil, e
	}
	raw, ok := o.get("input")
	if !ok {
		return nil, errMissing("input")
	}
	if req.Inputs, req.Tokens, e = parseEmbeddingInput(raw); e != nil {
		return nil, e
	}
	if raw, ok := o.get("encoding_format"); ok {
		var f string
		if e := asKind("encoding_format", raw, kindString, &f); e != nil {
			return nil, e
		}
		if f != "float" && f != "base64" {
			return nil, errValue("encoding_format", f, "float", "base64")
		}
		req.Base64 = f == "base64"
	}
	if e := checkScalars(o, []scalar{{"dimensions", kindInt, 1, maxDimensions}, {"user", kindString, 0, 0}}); e != nil {
		return nil, e
	}
	if raw, ok := o.get("dimensions"); ok {
		_ = json.Unmarshal(raw, &req.Dimensions)
	}
	return req, nil
}

// parseEmbeddingInput accepts a string, an array of strings, an array of
// token ids, or an array of arrays of token ids; none of them empty.
func parseEmbeddingInput(raw json.RawMessage) ([]string, int, *apiError) {
	bad := invalid("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", "input", "")
	var s string
	if kindOf(raw) == kindString {
		_ = json.Unmarshal(raw, &s)
		if s == "" {
			return nil, 0, bad
		}
		return []string{s}, max(1, utf8.RuneCountInString(s)/4), nil
	}
	var list []json.RawMessage
	if kindOf(raw) != kindArray || json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return nil, 0, bad
	}
	var ints []int64
	if json.Unmarshal(raw, &ints) == nil { // one array of token ids
		return []string{tokenText(ints)}, len(ints), nil
	}
	var out []string
	tokens := 0
	for _, item := range list {
		switch {
		case kindOf(item) == kindString && json.Unmarshal(item, &s) == nil && s != "":
			out = append(out, s)
			tokens += max(1, utf8.RuneCountInString(s)/4)
		case kindOf(item) == kindArray && json.Unmarshal(item, &ints) == nil && len(ints) > 0:
			out = append(out, tokenText(ints))
			tokens += len(ints)
		default:
			return nil, 0, bad
		}
	}
	return out, tokens, nil
}

func tokenText(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "tokens:" + strings.Join(parts, ",")
}

type embeddingJSON struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"` // []float32, or a base64 string of little-endian float32s
}

func (x *exchange) embeddings() {
	req, e := parseEmbeddingRequest(x.body)
	if e != nil {
		writeError(x.w, e)
		return
	}
	out := struct {
		Object string          `json:"object"`
		Data   []embeddingJSON `json:"data"`
		Model  string          `json:"model"`
		Usage  struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		} `json:"usage"`
	}{Object: "list", Model: req.Model}
	out.Usage.PromptTokens, out.Usage.TotalTokens = req.Tokens, req.Tokens
	for i, in := range req.Inputs {
		v := x.p.content.embedding(in, req.Dimensions)
		var enc any = v
		if req.Base64 {
			b := make([]byte, 4*len(v))
			for j, f := range v {
				binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(f))
			}
			enc = base64.StdEncoding.EncodeToString(b)
		}
		out.Data = append(out.Data, embeddingJSON{Object: "embedding", Index: i, Embedding: enc})
	}
	body, err := json.Marshal(out)
	if err != nil {
		writeError(x.w, &apiError{status: 500, Message: fmt.Sprintf("mock: %v", err), Type: "server_error"})
		return
	}
	x.sendJSON(body)
}
