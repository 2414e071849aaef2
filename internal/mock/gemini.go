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

// This file is the Gemini dialect's answers (wire-formats.md §4): POST
// /v1beta/models/{model}:generateContent, and :streamGenerateContent,
// streamed as SSE with alt=sse or, without it, as one JSON array whose
// elements arrive as they are made, as Google does. Requests are read in
// gemini_request.go and streams written in gemini_stream.go. The answers
// come from the same content machinery as the other dialects', so the
// same conversation gets the same text. Embeddings (:embedContent,
// :batchEmbedContents) are in gemini_embeddings.go.

const geminiPrefix = "/v1beta/models/"

// isGeminiPath reports whether path is answered in the Gemini dialect.
func isGeminiPath(path string) bool { return strings.HasPrefix(path, geminiPrefix) }

// GeminiURL is the provider's base URL for Gemini clients,
// "http://host:port": google.golang.org/genai's HTTPOptions.BaseURL and
// Backstop's gemini base_url take the URL without /v1beta, which they add
// themselves.
func (p *Provider) GeminiURL() string { return "http://" + p.addr }

// geminiError is Google's error object, {"error":{code,message,status}},
// with ErrorInfo details when it has a reason.
type geminiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Details []any  `json:"details,omitempty"`
}

func (e *geminiError) Error() string { return e.Message }

func writeGeminiError(w http.ResponseWriter, e *geminiError) {
	body, _ := json.Marshal(struct {
		Error *geminiError `json:"error"`
	}{e})
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.Code)
	_, _ = w.Write(append(body, '\n'))
}

func geminiInvalid(format string, a ...any) *geminiError {
	return &geminiError{Code: http.StatusBadRequest, Status: "INVALID_ARGUMENT", Message: fmt.Sprintf(format, a...)}
}

// geminiErrorForStatus is the error Gemini sends with status, as near as
// known (wire-formats.md §4 and §5).
func geminiErrorForStatus(status int, model string) *geminiError {
	e := &geminiError{Code: status, Status: "FAILED_PRECONDITION", Message: http.StatusText(status)}
	if status >= 500 {
		e.Status = "INTERNAL"
	}
	switch status {
	case 400:
		e.Status, e.Message = "INVALID_ARGUMENT", "Request contains an invalid argument."
	case 401:
		e.Status, e.Message = "UNAUTHENTICATED", "Request had invalid authentication credentials."
	case 403:
		e.Status, e.Message = "PERMISSION_DENIED", "The caller does not have permission."
	case 404:
		e.Status, e.Message = "NOT_FOUND", "models/"+model+" is not found for API version v1beta, or is not supported for generateContent."
	case 408, 504:
		e.Status, e.Message = "DEADLINE_EXCEEDED", "Deadline expired before operation could complete."
	case 409:
		e.Status = "ABORTED"
	case 429:
		e.Status, e.Message = "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."
	case 500:
		e.Message = "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"
	case 503:
		e.Status, e.Message = "UNAVAILABLE", "The model is overloaded. Please try again later."
	}
	if e.Message == "" {
		e.Message = "Error " + strconv.Itoa(status)
	}
	return e
}

// writeGeminiStatusFault answers the fault's Status on a Gemini path with
// Google's error body. Gemini sends no Retry-After header: RetryAfter
// (or RetryAfterMs) becomes a RetryInfo detail with a retryDelay, as
// Gemini's 429s carry.
func (x *exchange) writeGeminiStatusFault() {
	f := x.fault
	if f.Body != "" {
		x.writeStatusFault() // the body verbatim
		return
	}
	model, _, _ := geminiMethod(x.r.URL.Path)
	e := geminiErrorForStatus(f.Status, model)
	delay := f.RetryAfter.D()
	if f.RetryAfterMs > 0 {
		delay = f.RetryAfterMs.D()
	}
	if delay > 0 {
		e.Details = []any{map[string]any{"@type": "type.googleapis.com/google.rpc.RetryInfo",
			"retryDelay": strconv.FormatFloat(delay.Seconds(), 'f', -1, 64) + "s"}}
	}
	writeGeminiError(x.w, e)
}

// geminiMethod splits /v1beta/models/{model}:{method}.
func geminiMethod(path string) (model, method string, ok bool) {
	rest := strings.TrimPrefix(path, geminiPrefix)
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 {
		return rest, "", false
	}
	return rest[:i], rest[i+1:], true
}

// gemini answers a request on a Gemini path, after the early fault
// stages: the path and method, the API key, the body, in that order.
func (x *exchange) gemini() {
	model, method, ok := geminiMethod(x.r.URL.Path)
	stream := method == "streamGenerateContent"
	embed := method == "embedContent" || method == "batchEmbedContents"
	if !ok || method != "generateContent" && !stream && !embed {
		writeGeminiError(x.w, &geminiError{Code: http.StatusNotFound, Status: "NOT_FOUND", Message: "Method not found."})
		return
	}
	if x.r.Method != http.MethodPost {
		writeGeminiError(x.w, &geminiError{Code: http.StatusMethodNotAllowed, Status: "FAILED_PRECONDITION", Message: "Method Not Allowed"})
		return
	}
	if e := x.p.authorizeGemini(x.r); e != nil {
		writeGeminiError(x.w, e)
		return
	}
	if embed {
		x.geminiEmbed(model, method)
		return
	}
	req, e := parseGeminiRequest(x.body)
	if e != nil {
		writeGeminiError(x.w, e)
		return
	}
	req.chat.Model = model
	g := x.geminiReply(req)
	if stream {
		x.streamGemini(g, x.r.URL.Query().Get("alt") == "sse")
		return
	}
	if f := x.fault; f != nil && !x.sleep(f.TTFT.D()+time.Duration(g.answer.Tokens())*pace(f)) {
		return
	}
	body, _ := json.Marshal(g.json())
	if f := x.fault; f != nil && f.OverloadedAfterChunks != 0 && !f.Malformed {
		writeGeminiError(x.w, geminiErrorForStatus(http.StatusServiceUnavailable, model))
		return
	}
	x.sendJSON(body)
}

// authorizeGemini wants a key, in x-goog-api-key or ?key=, as Google
// does: without one, 403 PERMISSION_DENIED. When the provider has keys, a
// key that is not one of them is Gemini's 400 API_KEY_INVALID.
func (p *Provider) authorizeGemini(r *http.Request) *geminiError {
	key := r.Header.Get("X-Goog-Api-Key")
	if key == "" {
		key = r.URL.Query().Get("key")
	}
	if key == "" {
		return &geminiError{Code: http.StatusForbidden, Status: "PERMISSION_DENIED",
			Message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."}
	}
	if len(p.cfg.keys) == 0 {
		return nil
	}
	for _, k := range p.cfg.keys {
		if k == key {
			return nil
		}
	}
	e := geminiInvalid("API key not valid. Please pass a valid API key.")
	e.Details = []any{map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}}
	return e
}

// geminiReply is one answer to a generateContent request.
type geminiReply struct {
	ID     string
	Model  string
	Input  int
	answer answer
}

func (x *exchange) geminiReply(req *geminiRequest) *geminiReply {
	p := x.p
	rng := rand.New(rand.NewPCG(p.sim.opts.Seed^x.n, hashString(p.name)))
	return &geminiReply{ID: randomID(rng, 22), Model: req.chat.Model, Input: promptTokens(req.chat.Messages), answer: p.content.answer(&req.chat, 0)}
}

type geminiResponseJSON struct {
	Candidates    []geminiCandidateJSON `json:"candidates"`
	UsageMetadata *geminiUsageJSON      `json:"usageMetadata,omitempty"`
	ModelVersion  string                `json:"modelVersion"`
	ResponseID    string                `json:"responseId"`
}

type geminiCandidateJSON struct {
	Content      geminiContentJSON `json:"content"`
	FinishReason string            `json:"finishReason,omitempty"`
	Index        int               `json:"index"`
}

type geminiContentJSON struct {
	Role  string           `json:"role"`
	Parts []geminiPartJSON `json:"parts"`
}

type geminiPartJSON struct {
	Text         *string             `json:"text,omitempty"`
	FunctionCall *geminiFunctionCall `json:"functionCall,omitempty"`
}

type geminiFunctionCall struct {
	Name string          `json:"name"`
	Args json.RawMessage `json:"args"`
}

type geminiUsageJSON struct {
	PromptTokenCount     int `json:"promptTokenCount"`
	CandidatesTokenCount int `json:"candidatesTokenCount,omitempty"`
	TotalTokenCount      int `json:"totalTokenCount"`
	PromptTokensDetails  []struct {
		Modality   string `json:"modality"`
		TokenCount int    `json:"tokenCount"`
	} `json:"promptTokensDetails"`
}

func (g *geminiReply) usage(output int) *geminiUsageJSON {
	u := &geminiUsageJSON{PromptTokenCount: g.Input, CandidatesTokenCount: output, TotalTokenCount: g.Input + output}
	u.PromptTokensDetails = append(u.PromptTokensDetails, struct {
		Modality   string `json:"modality"`
		TokenCount int    `json:"tokenCount"`
	}{"TEXT", g.Input})
	return u
}

// finishReason is Gemini's name for the answer's finish reason: STOP for
// tool calls too.
func (g *geminiReply) finishReason() string {
	if g.answer.Finish == "length" {
		return "MAX_TOKENS"
	}
	return "STOP"
}

// callPart is the answer's function call, whole, without an id, as
// Gemini sends it; arguments cut short by maxOutputTokens become {}.
func (g *geminiReply) callPart() geminiPartJSON {
	args := json.RawMessage(strings.Join(g.answer.Call.Args, ""))
	if !json.Valid(args) {
		args = json.RawMessage("{}")
	}
	return geminiPartJSON{FunctionCall: &geminiFunctionCall{Name: g.answer.Call.Name, Args: args}}
}

func (g *geminiReply) response(parts []geminiPartJSON, finish string, u *geminiUsageJSON) geminiResponseJSON {
	if parts == nil {
		parts = []geminiPartJSON{}
	}
	return geminiResponseJSON{
		Candidates:    []geminiCandidateJSON{{Content: geminiContentJSON{Role: "model", Parts: parts}, FinishReason: finish}},
		UsageMetadata: u, ModelVersion: g.Model, ResponseID: g.ID,
	}
}

func (g *geminiReply) json() geminiResponseJSON {
	var parts []geminiPartJSON
	switch a := g.answer; {
	case a.Call != nil:
		parts = append(parts, g.callPart())
	case len(a.Pieces) > 0:
		parts = append(parts, geminiPartJSON{Text: str(a.Text())})
	}
	return g.response(parts, g.finishReason(), g.usage(g.answer.Tokens()))
}
