package gemini

import "encoding/json"

// Answer is a text answer the gateway makes itself (a route's exhausted
// message, say), in Gemini's shape.
type Answer struct {
	ID, Model, Content string
}

type partJSON struct {
	Text string `json:"text"`
}

type candidateJSON struct {
	Content struct {
		Role  string     `json:"role"`
		Parts []partJSON `json:"parts"`
	} `json:"content"`
	FinishReason string `json:"finishReason,omitempty"`
	Index        int    `json:"index"`
}

type responseJSON struct {
	Candidates    []candidateJSON `json:"candidates"`
	UsageMetadata *usageJSON      `json:"usageMetadata,omitempty"`
	ModelVersion  string          `json:"modelVersion"`
	ResponseID    string          `json:"responseId"`
}

type usageJSON struct {
	PromptTokenCount     int `json:"promptTokenCount"`
	CandidatesTokenCount int `json:"candidatesTokenCount"`
	TotalTokenCount      int `json:"totalTokenCount"`
}

func (a Answer) response(text, finish string) []byte {
	c := candidateJSON{FinishReason: finish}
	c.Content.Role = "model"
	c.Content.Parts = []partJSON{}
	if text != "" {
		c.Content.Parts = append(c.Content.Parts, partJSON{Text: text})
	}
	r := responseJSON{Candidates: []candidateJSON{c}, ModelVersion: a.Model, ResponseID: a.ID}
	if finish != "" {
		r.UsageMetadata = &usageJSON{}
	}
	b, _ := json.Marshal(r)
	return b
}

// Response is the answer as a GenerateContentResponse.
func (a Answer) Response() []byte { return a.response(a.Content, "STOP") }

// Stream is the answer as a streamGenerateContent?alt=sse body: a chunk
// with the text, then the last chunk with the finishReason. No end marker
// follows; the stream ends with the connection.
func (a Answer) Stream() []byte {
	var out []byte
	for _, chunk := range [][]byte{a.response(a.Content, ""), a.response("", "STOP")} {
		out = append(out, "data: "...)
		out = append(out, chunk...)
		out = append(out, "\n\n"...)
	}
	return out
}
