package mock

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file is the OpenAI dialect's answers (wire-formats.md §1): chat
// completions, models and errors. Streams are in stream.go, embeddings in
// embeddings.go.

// apiError is an OpenAI error body, {"error":{message,type,param,code}},
// with the HTTP status it goes with. Absent param and code are null.
type apiError struct {
	status  int
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func (e *apiError) Error() string { return e.Message }

func writeError(w http.ResponseWriter, e *apiError) {
	body, _ := json.Marshal(struct {
		Error *apiError `json:"error"`
	}{e})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(append(body, '\n'))
}

func errInvalidURL(method, path string, status int) *apiError {
	return &apiError{status: status, Message: fmt.Sprintf("Invalid URL (%s %s)", method, path), Type: "invalid_request_error"}
}

func errTooLarge(limit int64) *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge,
		Message: fmt.Sprintf("Request body too large: the limit is %d bytes.", limit), Type: "invalid_request_error"}
}

func errServiceUnavailable() *apiError {
	return &apiError{status: http.StatusServiceUnavailable, Message: "The server is shutting down.", Type: "server_error"}
}

func errNoAPIKey() *apiError {
	return &apiError{status: http.StatusUnauthorized, Type: "invalid_request_error",
		Message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."}
}

func errBadAPIKey(key string) *apiError {
	shown := key
	if len(shown) > 8 {
		shown = shown[:3] + "*****" + shown[len(shown)-4:]
	}
	return &apiError{status: http.StatusUnauthorized, Type: "invalid_request_error", Code: str("invalid_api_key"),
		Message: "Incorrect API key provided: " + shown + ". You can find your API key at https://platform.openai.com/account/api-keys."}
}

func errModelNotFound(model string) *apiError {
	return &apiError{status: http.StatusNotFound, Type: "invalid_request_error", Code: str("model_not_found"),
		Message: "The model `" + model + "` does not exist or you do not have access to it."}
}

// errorForStatus is the error OpenAI sends with status, as near as known.
func errorForStatus(status int, model string) *apiError {
	e := &apiError{status: status, Type: "invalid_request_error", Message: http.StatusText(status)}
	if status >= 500 {
		e.Type = "server_error"
	}
	switch status {
	case 401:
		return errBadAPIKey("sk-mock-revoked-key")
	case 403:
		e.Message, e.Code = "You are not allowed to sample from this model.", str("model_not_allowed")
	case 404:
		return errModelNotFound(model)
	case 408:
		e.Message = "Request timed out."
	case 429:
		e.Message, e.Type, e.Code = "Rate limit reached for requests per min (RPM). Please try again later.", "requests", str("rate_limit_exceeded")
	case 500:
		e.Message = "The server had an error while processing your request. Sorry about that!"
	case 502:
		e.Message = "Bad gateway."
	case 503:
		e.Message = "The server is overloaded or not ready yet."
	case 504:
		e.Message = "Gateway timeout."
	}
	if e.Message == "" {
		e.Message = "Error " + strconv.Itoa(status)
	}
	return e
}

// writeStatusFault answers the fault's Status.
func (x *exchange) writeStatusFault() {
	f, h := x.fault, x.w.Header()
	if f.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(ceilUnits(f.RetryAfter.D(), time.Second), 10))
	}
	if f.RetryAfterMs > 0 {
		h.Set("retry-after-ms", strconv.FormatInt(ceilUnits(f.RetryAfterMs.D(), time.Millisecond), 10))
	}
	if f.Body == "" {
		var peek struct {
			Model string `json:"model"`
		}
		_ = json.Unmarshal(x.body, &peek)
		writeError(x.w, errorForStatus(f.Status, peek.Model))
		return
	}
	ct := "application/json"
	if strings.HasPrefix(strings.TrimSpace(f.Body), "<") {
		ct = "text/html; charset=utf-8"
	}
	h.Set("Content-Type", ct)
	x.w.WriteHeader(f.Status)
	_, _ = x.w.Write([]byte(f.Body))
}

// sendJSON answers 200 with body, shaped by the fault: Malformed sends the
// first half of it, OverloadedAfterChunks answers 503 instead, a mid-answer
// hang or cut sends the first half under the full Content-Length and then
// hangs or cuts.
func (x *exchange) sendJSON(body []byte) {
	h := x.w.Header()
	h.Set("Content-Type", "application/json")
	f := x.fault
	if f == nil {
		x.w.WriteHeader(http.StatusOK)
		_, _ = x.w.Write(body)
		return
	}
	if f.Malformed {
		x.w.WriteHeader(http.StatusOK)
		_, _ = x.w.Write(body[:len(body)/2]) // an unclosed object: never valid JSON
		return
	}
	if f.OverloadedAfterChunks != 0 { // no 200 can carry the error: its status does
		writeError(x.w, errorForStatus(http.StatusServiceUnavailable, ""))
		return
	}
	if _, mid := f.afterChunks(); mid {
		h.Set("Content-Length", strconv.Itoa(len(body)))
		x.w.WriteHeader(http.StatusOK)
		_, _ = x.w.Write(body[:len(body)/2])
		if f.HangAfterChunks != 0 {
			_ = x.rc.Flush()
			<-x.r.Context().Done()
			return
		}
		x.abort()
	}
	x.w.WriteHeader(http.StatusOK)
	_, _ = x.w.Write(body)
}

// completion is one answer to a chat request, before it is written.
type completion struct {
	ID          string
	Created     int64
	Model       string
	Fingerprint string
	Choices     []answer
	Prompt      int
}

func (c *completion) completionTokens() int {
	n := 0
	for _, a := range c.Choices {
		n += a.Tokens()
	}
	return n
}

func (c *completion) usage() *usageJSON {
	out := c.completionTokens()
	return &usageJSON{PromptTokens: c.Prompt, CompletionTokens: out, TotalTokens: c.Prompt + out}
}

// complete makes the answer to req. Ids depend on the seed, the provider and
// the request's sequence number; the choices only on content.answer.
func (x *exchange) complete(req *chatRequest) *completion {
	p := x.p
	rng := rand.New(rand.NewPCG(p.sim.opts.Seed^x.n, hashString(p.name)))
	c := &completion{
		ID:          "chatcmpl-" + randomID(rng, 29),
		Created:     p.sim.opts.Clock.Now().Unix(),
		Model:       req.Model,
		Fingerprint: fmt.Sprintf("fp_%010x", hashString(p.name)&0xffffffffff),
		Prompt:      promptTokens(req.Messages),
	}
	for i := range req.N {
		c.Choices = append(c.Choices, p.content.answer(req, i))
	}
	for i := range c.Choices {
		if call := c.Choices[i].Call; call != nil && i > 0 {
			call.ID = "call_" + randomID(rng, 24) // ids are unique across choices
		}
	}
	return c
}

func (x *exchange) chat() {
	req, e := parseChatRequest(x.body)
	if e != nil {
		writeError(x.w, e)
		return
	}
	c := x.complete(req)
	if req.Stream {
		x.stream(req, c)
		return
	}
	// A non-streamed answer arrives when its stream would have ended.
	if f := x.fault; f != nil && !x.sleep(f.TTFT.D()+time.Duration(c.completionTokens())*pace(f)) {
		return
	}
	body, _ := json.Marshal(c.json())
	x.sendJSON(body)
}

// pace is the wait between content chunks.
func pace(f *Fault) time.Duration {
	if f == nil || f.TokensPerSecond <= 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / f.TokensPerSecond)
}

type chatCompletionJSON struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	Choices           []choiceJSON `json:"choices"`
	Usage             *usageJSON   `json:"usage"`
	ServiceTier       string       `json:"service_tier"`
	SystemFingerprint string       `json:"system_fingerprint"`
}

type choiceJSON struct {
	Index        int         `json:"index"`
	Message      messageJSON `json:"message"`
	Logprobs     *struct{}   `json:"logprobs"`
	FinishReason string      `json:"finish_reason"`
}

type messageJSON struct {
	Role        string         `json:"role"`
	Content     *string        `json:"content"`
	Refusal     *string        `json:"refusal"`
	ToolCalls   []toolCallJSON `json:"tool_calls,omitempty"`
	Annotations []struct{}     `json:"annotations"`
}

type toolCallJSON struct {
	Index    *int         `json:"index,omitempty"` // streams only
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function functionJSON `json:"function"`
}

type functionJSON struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

type usageJSON struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
		AudioTokens  int `json:"audio_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens          int `json:"reasoning_tokens"`
		AudioTokens              int `json:"audio_tokens"`
		AcceptedPredictionTokens int `json:"accepted_prediction_tokens"`
		RejectedPredictionTokens int `json:"rejected_prediction_tokens"`
	} `json:"completion_tokens_details"`
}

func (c *completion) json() chatCompletionJSON {
	out := chatCompletionJSON{
		ID: c.ID, Object: "chat.completion", Created: c.Created, Model: c.Model,
		Usage: c.usage(), ServiceTier: "default", SystemFingerprint: c.Fingerprint,
		Choices: make([]choiceJSON, 0, len(c.Choices)),
	}
	for i, a := range c.Choices {
		m := messageJSON{Role: "assistant", Annotations: []struct{}{}}
		if a.Call != nil {
			m.ToolCalls = []toolCallJSON{{ID: a.Call.ID, Type: "function",
				Function: functionJSON{Name: a.Call.Name, Arguments: strings.Join(a.Call.Args, "")}}}
		} else {
			m.Content = str(a.Text())
		}
		out.Choices = append(out.Choices, choiceJSON{Index: i, Message: m, FinishReason: a.Finish})
	}
	return out
}

type modelJSON struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// modelCreated is a fixed creation time, so listings are reproducible.
const modelCreated = 1700000000

func (x *exchange) models() {
	list := struct {
		Object string      `json:"object"`
		Data   []modelJSON `json:"data"`
	}{Object: "list", Data: []modelJSON{}}
	for _, id := range x.p.cfg.models {
		list.Data = append(list.Data, modelJSON{ID: id, Object: "model", Created: modelCreated, OwnedBy: "system"})
	}
	body, _ := json.Marshal(list)
	x.sendJSON(body)
}

func (x *exchange) model() {
	id := strings.TrimPrefix(x.r.URL.Path, "/v1/models/")
	for _, m := range x.p.cfg.models {
		if m == id {
			body, _ := json.Marshal(modelJSON{ID: id, Object: "model", Created: modelCreated, OwnedBy: "system"})
			x.sendJSON(body)
			return
		}
	}
	writeError(x.w, errModelNotFound(id))
}
