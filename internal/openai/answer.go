package openai

import "encoding/json"

// Answer is a chat completion that the gateway writes itself, such as a
// route's polite on_exhausted message.
type Answer struct {
	ID      string // "chatcmpl-…"
	Model   string
	Created int64
	Content string
}

type completion struct {
	ID                string         `json:"id"`
	Object            string         `json:"object"`
	Created           int64          `json:"created"`
	Model             string         `json:"model"`
	Choices           []answerChoice `json:"choices"`
	Usage             usage          `json:"usage"`
	SystemFingerprint *string        `json:"system_fingerprint"`
}

type answerChoice struct {
	Index        int            `json:"index"`
	Message      *answerMessage `json:"message,omitempty"`
	Delta        *answerMessage `json:"delta,omitempty"`
	Logprobs     *struct{}      `json:"logprobs"`
	FinishReason *string        `json:"finish_reason"`
}

type answerMessage struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
	Refusal *string `json:"refusal,omitempty"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Completion returns the answer as a chat.completion object.
func (a Answer) Completion() []byte {
	stop := "stop"
	content := a.Content
	b, _ := json.Marshal(completion{
		ID: a.ID, Object: "chat.completion", Created: a.Created, Model: a.Model,
		Choices: []answerChoice{{Message: &answerMessage{Role: "assistant", Content: &content}, FinishReason: &stop}},
	})
	return b
}

// Stream returns the answer as a complete SSE stream: a role chunk, one
// content chunk, a finish chunk, a usage chunk when asked for, and [DONE].
func (a Answer) Stream(includeUsage bool) []byte {
	stop, empty, content := "stop", "", a.Content
	chunk := func(c []answerChoice, u *usage) []byte {
		v := struct {
			ID                string         `json:"id"`
			Object            string         `json:"object"`
			Created           int64          `json:"created"`
			Model             string         `json:"model"`
			Choices           []answerChoice `json:"choices"`
			Usage             *usage         `json:"usage,omitempty"`
			SystemFingerprint *string        `json:"system_fingerprint"`
		}{a.ID, "chat.completion.chunk", a.Created, a.Model, c, u, nil}
		b, _ := json.Marshal(v)
		return b
	}
	var out []byte
	event := func(data []byte) {
		out = append(out, "data: "...)
		out = append(out, data...)
		out = append(out, "\n\n"...)
	}
	event(chunk([]answerChoice{{Delta: &answerMessage{Role: "assistant", Content: &empty}}}, nil))
	event(chunk([]answerChoice{{Delta: &answerMessage{Content: &content}}}, nil))
	event(chunk([]answerChoice{{Delta: &answerMessage{}, FinishReason: &stop}}, nil))
	if includeUsage {
		event(chunk([]answerChoice{}, &usage{}))
	}
	event(Done)
	return out
}

// CompletionID makes a chat completion id from a request id (which the
// gateway has already checked to be printable ASCII).
func CompletionID(requestID string) string { return "chatcmpl-" + requestID }

// ModelList returns GET /v1/models's body for the given model ids.
func ModelList(ids []string, created int64, ownedBy string) []byte {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	list := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: make([]model, 0, len(ids))}
	for _, id := range ids {
		list.Data = append(list.Data, model{ID: id, Object: "model", Created: created, OwnedBy: ownedBy})
	}
	b, _ := json.Marshal(list)
	return b
}
