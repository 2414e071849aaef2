package translate

import (
	"encoding/json"
	"fmt"
)

// geminiMaxBatch is how many inputs one batchEmbedContents call takes.
const geminiMaxBatch = 100

// geminiEmbeddingsRequest is Gemini's batchEmbedContents body: one
// request per input, each naming the model as "models/{model}" (Gemini
// refuses a batch whose requests name another model than the URL's), as
// google.golang.org/genai's Models.EmbedContent sends it.
func geminiEmbeddingsRequest(req *EmbeddingsRequest, model string) ([]byte, error) {
	if len(req.Inputs) > geminiMaxBatch {
		return nil, refuse("input", "'input' has %d texts; Gemini embeds at most %d a request.", len(req.Inputs), geminiMaxBatch)
	}
	type part struct {
		Text string `json:"text"`
	}
	type content struct {
		Parts []part `json:"parts"`
	}
	type one struct {
		Model                string  `json:"model"`
		Content              content `json:"content"`
		OutputDimensionality int     `json:"outputDimensionality,omitempty"`
	}
	out := struct {
		Requests []one `json:"requests"`
	}{Requests: make([]one, len(req.Inputs))}
	for i, s := range req.Inputs {
		out.Requests[i] = one{Model: "models/" + model, Content: content{Parts: []part{{Text: s}}}, OutputDimensionality: req.Dimensions}
	}
	return json.Marshal(out)
}

// geminiEmbeddingsAnswer reads batchEmbedContents' answer,
// {"embeddings":[{"values":[…]}]}.
func geminiEmbeddingsAnswer(body []byte) ([][]float32, error) {
	var in struct {
		Embeddings []struct {
			Values []float32 `json:"values"`
		} `json:"embeddings"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%w: Gemini embeddings: %v", ErrMalformed, err)
	}
	vecs := make([][]float32, len(in.Embeddings))
	for i, e := range in.Embeddings {
		if len(e.Values) == 0 {
			return nil, fmt.Errorf("%w: Gemini embedding %d has no values", ErrMalformed, i)
		}
		vecs[i] = e.Values
	}
	return vecs, nil
}
