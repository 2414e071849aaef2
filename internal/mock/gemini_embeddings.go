package mock

import (
	"encoding/json"
	"net/http"
	"strings"
)

// This file is Gemini's embeddings: POST
// /v1beta/models/{model}:embedContent, one content, and
// :batchEmbedContents, up to 100 requests that each name the URL's
// model, as google.golang.org/genai's Models.EmbedContent sends them.
// Vectors come from the same machinery as the OpenAI dialect's
// (content.embedding): the same text and length give the same vector.
// Gemini counts no tokens in its embeddings answers.

// geminiEmbeddingDimensions is the length of a vector when the request
// does not set outputDimensionality: gemini-embedding-001's.
const geminiEmbeddingDimensions = 3072

// geminiMaxBatch is how many requests one batchEmbedContents call takes.
const geminiMaxBatch = 100

var gmEmbedKeys = []string{"model", "content", "taskType", "title", "outputDimensionality"}

// geminiEmbedText reads one EmbedContentRequest: its text (the text
// parts, joined), its length, and its model ("" when it names none).
func geminiEmbedText(path string, raw json.RawMessage) (text string, dims int, model string, e *geminiError) {
	o, e := gmObject(path, raw, gmEmbedKeys)
	if e != nil {
		return "", 0, "", e
	}
	if m, ok := o["model"]; ok && json.Unmarshal(m, &model) != nil {
		return "", 0, "", geminiInvalid("Invalid value at '%s.model' (TYPE_STRING).", path)
	}
	craw, ok := o["content"]
	if !ok {
		return "", 0, "", geminiInvalid("* %s.content: contents is not specified", strings.TrimPrefix(path, "."))
	}
	c, e := gmObject(path+".content", craw, gmContentKeys)
	if e != nil {
		return "", 0, "", e
	}
	var parts []struct {
		Text *string `json:"text"`
	}
	if json.Unmarshal(c["parts"], &parts) != nil || len(parts) == 0 {
		return "", 0, "", geminiInvalid("* %s.content.parts: contents.parts must not be empty.", strings.TrimPrefix(path, "."))
	}
	var texts []string
	for _, p := range parts {
		if p.Text == nil {
			return "", 0, "", geminiInvalid("* %s.content.parts: only text parts can be embedded.", strings.TrimPrefix(path, "."))
		}
		texts = append(texts, *p.Text)
	}
	text = strings.Join(texts, "")
	if text == "" {
		return "", 0, "", geminiInvalid("* %s.content: the text to embed is empty.", strings.TrimPrefix(path, "."))
	}
	dims = geminiEmbeddingDimensions
	if d, ok := o["outputDimensionality"]; ok {
		if json.Unmarshal(d, &dims) != nil || dims < 1 || dims > geminiEmbeddingDimensions {
			return "", 0, "", geminiInvalid("* %s.outputDimensionality: must be between 1 and %d, not %s.", strings.TrimPrefix(path, "."), geminiEmbeddingDimensions, d)
		}
	}
	return text, dims, model, nil
}

type geminiEmbeddingJSON struct {
	Values []float32 `json:"values"`
}

// geminiEmbed answers :embedContent and :batchEmbedContents for model.
func (x *exchange) geminiEmbed(model, method string) {
	var out any
	if method == "embedContent" {
		text, dims, _, e := geminiEmbedText("", x.body)
		if e != nil {
			writeGeminiError(x.w, e)
			return
		}
		out = struct {
			Embedding geminiEmbeddingJSON `json:"embedding"`
		}{geminiEmbeddingJSON{x.p.content.embedding(text, dims)}}
	} else {
		top, e := gmObject("", x.body, []string{"requests"})
		if e != nil {
			writeGeminiError(x.w, e)
			return
		}
		var reqs []json.RawMessage
		if json.Unmarshal(top["requests"], &reqs) != nil || len(reqs) == 0 {
			writeGeminiError(x.w, geminiInvalid("* BatchEmbedContentsRequest.requests: requests must not be empty."))
			return
		}
		if len(reqs) > geminiMaxBatch {
			writeGeminiError(x.w, geminiInvalid("* BatchEmbedContentsRequest.requests: at most %d requests can be in one batch.", geminiMaxBatch))
			return
		}
		list := make([]geminiEmbeddingJSON, len(reqs))
		for i, raw := range reqs {
			path := "requests[" + itoa(i) + "]"
			text, dims, m, e := geminiEmbedText(path, raw)
			if e == nil && m != "models/"+model {
				e = geminiInvalid("* BatchEmbedContentsRequest.%s.model: the model of each request must be the batch's, models/%s, not %q.", path, model, m)
			}
			if e != nil {
				writeGeminiError(x.w, e)
				return
			}
			list[i] = geminiEmbeddingJSON{x.p.content.embedding(text, dims)}
		}
		out = struct {
			Embeddings []geminiEmbeddingJSON `json:"embeddings"`
		}{list}
	}
	if f := x.fault; f != nil && !x.sleep(f.TTFT.D()) {
		return
	}
	if f := x.fault; f != nil && f.OverloadedAfterChunks != 0 && !f.Malformed {
		writeGeminiError(x.w, geminiErrorForStatus(http.StatusServiceUnavailable, model))
		return
	}
	body, _ := json.Marshal(out)
	x.sendJSON(body)
}
