package translate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/backstophq/backstop/internal/bedrock"
)

// cohereMaxBatch is how many texts one Cohere Embed call takes.
const cohereMaxBatch = 96

// titanMaxBatch is how many texts one request may embed on Titan, which
// takes one text a call: a larger batch would be that many signed calls
// for one client request. Cohere's and Gemini's own batch limits are of
// the same order.
const titanMaxBatch = 128

// titanV2Dimensions are the vector lengths Titan Text Embeddings v2 makes.
var titanV2Dimensions = []int{256, 512, 1024}

// bedrockEmbeddingsRequest is the InvokeModel body for model's
// embeddings family (bedrock.EmbedderOf). Titan embeds one text a call:
// its body is a JSON array of one Titan body per input, which the Bedrock
// adapter sends as that many calls and answers as an array of their
// answers. A model of no known family gets an *Error, which skips the
// target.
func bedrockEmbeddingsRequest(req *EmbeddingsRequest, model string) ([]byte, error) {
	switch bedrock.EmbedderOf(model) {
	case bedrock.TitanV1, bedrock.TitanV2:
		return titanRequests(req, model)
	case bedrock.CohereV3:
		if req.Dimensions != 0 {
			return nil, refuse("dimensions", "Cohere Embed v3 (%s) makes vectors of a fixed length: 'dimensions' cannot be set.", model)
		}
		if len(req.Inputs) > cohereMaxBatch {
			return nil, refuse("input", "'input' has %d texts; Cohere Embed on Bedrock embeds at most %d a request.", len(req.Inputs), cohereMaxBatch)
		}
		return json.Marshal(struct {
			Texts     []string `json:"texts"`
			InputType string   `json:"input_type"`
		}{req.Inputs, "search_document"})
	}
	return nil, refuse("model", "Bedrock model %s is not an embeddings model the gateway can call (Titan Text Embeddings or Cohere Embed v3).", model)
}

func titanRequests(req *EmbeddingsRequest, model string) ([]byte, error) {
	type titan struct {
		InputText  string `json:"inputText"`
		Dimensions int    `json:"dimensions,omitempty"`
		Normalize  bool   `json:"normalize,omitempty"`
	}
	v2 := bedrock.EmbedderOf(model) == bedrock.TitanV2
	if len(req.Inputs) > titanMaxBatch {
		return nil, refuse("input", "'input' has %d texts; Titan Text Embeddings on Bedrock embeds one text a call, and the gateway makes at most %d calls a request.", len(req.Inputs), titanMaxBatch)
	}
	switch d := req.Dimensions; {
	case d != 0 && !v2:
		return nil, refuse("dimensions", "Titan Text Embeddings v1 (%s) makes vectors of a fixed length: 'dimensions' cannot be set.", model)
	case d != 0 && !slices.Contains(titanV2Dimensions, d):
		return nil, refuse("dimensions", "Titan Text Embeddings v2 makes vectors of 256, 512 or 1024 dimensions, not %d.", d)
	}
	out := make([]titan, len(req.Inputs))
	for i, s := range req.Inputs {
		// OpenAI's vectors are unit length; v2 makes them so when asked.
		out[i] = titan{InputText: s, Dimensions: req.Dimensions, Normalize: v2}
	}
	return json.Marshal(out)
}

// bedrockEmbeddingsAnswer reads model's answer: Titan's
// {"embedding":[…],"inputTextTokenCount"} (an array of them for a
// batch), whose token counts it sums, or Cohere's {"embeddings":[[…]]},
// which counts none (used is 0).
func bedrockEmbeddingsAnswer(body []byte, model string) (vecs [][]float32, used int, err error) {
	switch bedrock.EmbedderOf(model) {
	case bedrock.TitanV1, bedrock.TitanV2:
		type titan struct {
			Embedding []float32 `json:"embedding"`
			Tokens    int       `json:"inputTextTokenCount"`
		}
		var list []titan
		if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '{' {
			list = make([]titan, 1)
			err = json.Unmarshal(b, &list[0])
		} else {
			err = json.Unmarshal(b, &list)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%w: Titan embeddings: %v", ErrMalformed, err)
		}
		for i, t := range list {
			if len(t.Embedding) == 0 {
				return nil, 0, fmt.Errorf("%w: Titan embedding %d is empty", ErrMalformed, i)
			}
			vecs = append(vecs, t.Embedding)
			used += t.Tokens
		}
		return vecs, used, nil
	case bedrock.CohereV3:
		var in struct {
			Embeddings [][]float32 `json:"embeddings"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, 0, fmt.Errorf("%w: Cohere embeddings: %v", ErrMalformed, err)
		}
		for i, v := range in.Embeddings {
			if len(v) == 0 {
				return nil, 0, fmt.Errorf("%w: Cohere embedding %d is empty", ErrMalformed, i)
			}
		}
		return in.Embeddings, 0, nil
	}
	return nil, 0, fmt.Errorf("%w: embeddings from Bedrock model %s, of no known family", ErrMalformed, model)
}
