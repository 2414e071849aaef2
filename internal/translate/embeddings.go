package translate

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/backstophq/backstop/internal/tokens"
)

// Embeddings: an OpenAI POST /v1/embeddings request translated for a
// provider whose embeddings API is its own (Gemini's batchEmbedContents,
// Bedrock's embeddings models), and the provider's answer translated
// back. OpenAI-dialect targets get the request as it came; see
// docs/translation.md, *Embeddings*.

// EmbeddingsRequest is an OpenAI embeddings request, as far as the
// translations need it.
type EmbeddingsRequest struct {
	// Inputs are the texts to embed, in order.
	Inputs []string
	// Dimensions is the length asked of each vector; 0 when not said.
	Dimensions int
	// Base64 asks for each vector as base64 of its little-endian float32s
	// (encoding_format "base64") instead of a JSON array.
	Base64 bool
	// inputBytes is the size of the inputs, for the token estimate of an
	// answer that has no usage.
	inputBytes int
}

// ParseEmbeddings reads an OpenAI embeddings request for translation.
// Token arrays (input as arrays of token ids) are refused: they are ids
// in OpenAI's tokenizer, which no other provider shares. The errors are
// *Error naming the field.
func ParseEmbeddings(body []byte) (*EmbeddingsRequest, error) {
	var in struct {
		Input          json.RawMessage `json:"input"`
		Dimensions     json.RawMessage `json:"dimensions"`
		EncodingFormat json.RawMessage `json:"encoding_format"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, refuse("", "The request body is not a valid embeddings request: %v.", err)
	}
	req := &EmbeddingsRequest{}
	raw := bytes.TrimSpace(in.Input)
	var one string
	var list []json.RawMessage
	switch {
	case json.Unmarshal(raw, &one) == nil && len(raw) > 0 && raw[0] == '"':
		req.Inputs = []string{one}
	case json.Unmarshal(raw, &list) == nil && len(raw) > 0 && raw[0] == '[':
		if len(list) == 0 {
			return nil, refuse("input", "'input' must not be an empty array.")
		}
		for i, item := range list {
			var s string
			if item = bytes.TrimSpace(item); len(item) == 0 || item[0] != '"' || json.Unmarshal(item, &s) != nil {
				return nil, refuse("input", "'input' holds token ids (input[%d] is not a string): token arrays are OpenAI's tokenizer's and this target cannot take them; send the text.", i)
			}
			req.Inputs = append(req.Inputs, s)
		}
	default:
		return nil, refuse("input", "'input' must be a string or an array of strings for this target.")
	}
	for i, s := range req.Inputs {
		if s == "" {
			if len(req.Inputs) == 1 {
				return nil, refuse("input", "'input' must not be an empty string.")
			}
			return nil, refuse("input", "input[%d] must not be an empty string.", i)
		}
		req.inputBytes += len(s)
	}
	if d := bytes.TrimSpace(in.Dimensions); len(d) > 0 && string(d) != "null" {
		n, err := strconv.Atoi(string(d))
		if err != nil || n < 1 {
			return nil, refuse("dimensions", "'dimensions' must be a positive integer, not %s.", d)
		}
		req.Dimensions = n
	}
	if f := bytes.TrimSpace(in.EncodingFormat); len(f) > 0 && string(f) != "null" {
		var s string
		_ = json.Unmarshal(f, &s)
		switch s {
		case "float":
		case "base64":
			req.Base64 = true
		default:
			return nil, refuse("encoding_format", "'encoding_format' must be \"float\" or \"base64\", not %s.", f)
		}
	}
	return req, nil
}

// EncodeEmbeddings writes req for a target speaking d with model: Gemini
// (batchEmbedContents), or Converse, meaning a Bedrock model, whose
// embeddings family picks the InvokeModel body. A target that cannot
// take req gets an *Error.
func EncodeEmbeddings(d Dialect, model string, req *EmbeddingsRequest) ([]byte, error) {
	switch d {
	case Gemini:
		return geminiEmbeddingsRequest(req, model)
	case Converse:
		return bedrockEmbeddingsRequest(req, model)
	}
	return nil, refuse("model", "Embeddings cannot be translated to the %s dialect.", d)
}

// DecodeEmbeddings reads a provider's embeddings answer to req, sent by
// EncodeEmbeddings, and writes it as OpenAI's, naming model. Its errors
// wrap ErrMalformed.
func DecodeEmbeddings(d Dialect, model string, req *EmbeddingsRequest, body []byte) ([]byte, error) {
	var vecs [][]float32
	var used int
	var err error
	switch d {
	case Gemini:
		vecs, err = geminiEmbeddingsAnswer(body)
	case Converse:
		vecs, used, err = bedrockEmbeddingsAnswer(body, model)
	default:
		return nil, fmt.Errorf("%w: embeddings from the %s dialect", ErrMalformed, d)
	}
	if err != nil {
		return nil, err
	}
	if len(vecs) != len(req.Inputs) {
		return nil, fmt.Errorf("%w: %d embeddings for %d inputs", ErrMalformed, len(vecs), len(req.Inputs))
	}
	if used == 0 {
		// The provider does not count: the gateway's estimate.
		used = tokens.Estimate(req.inputBytes)
	}
	return openAIEmbeddings(vecs, model, used, req.Base64), nil
}

// openAIEmbeddings writes OpenAI's embeddings answer.
func openAIEmbeddings(vecs [][]float32, model string, used int, b64 bool) []byte {
	size := 96 + len(model)
	for _, v := range vecs {
		size += 64 + 12*len(v)
	}
	out := make([]byte, 0, size)
	out = append(out, `{"object":"list","data":[`...)
	var raw []byte
	for i, v := range vecs {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"object":"embedding","index":`...)
		out = strconv.AppendInt(out, int64(i), 10)
		out = append(out, `,"embedding":`...)
		if b64 {
			raw = raw[:0]
			for _, f := range v {
				raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(f))
			}
			out = append(out, '"')
			out = base64.StdEncoding.AppendEncode(out, raw)
			out = append(out, '"')
		} else {
			out = append(out, '[')
			for j, f := range v {
				if j > 0 {
					out = append(out, ',')
				}
				out = strconv.AppendFloat(out, float64(f), 'g', -1, 32)
			}
			out = append(out, ']')
		}
		out = append(out, '}')
	}
	out = append(out, `],"model":`...)
	m, _ := json.Marshal(model)
	out = append(out, m...)
	out = append(out, `,"usage":{"prompt_tokens":`...)
	out = strconv.AppendInt(out, int64(used), 10)
	out = append(out, `,"total_tokens":`...)
	out = strconv.AppendInt(out, int64(used), 10)
	return append(out, "}}"...)
}
