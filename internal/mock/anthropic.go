package mock

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file is the Anthropic dialect's answers (wire-formats.md §2):
// POST /v1/messages (non-streamed here; streams are in anthropic_stream.go)
// and POST /v1/messages/count_tokens, with Anthropic's headers, errors and
// checks. Requests are read in anthropic_request.go. The answers come from
// the same content machinery as the OpenAI side's, so the same
// conversation gets the same text in both dialects.

// isAnthropicPath reports whether path is answered in the Anthropic dialect.
func isAnthropicPath(path string) bool {
	return path == "/v1/messages" || strings.HasPrefix(path, "/v1/messages/")
}

// AnthropicURL is the provider's base URL for Anthropic clients,
// "http://host:port": anthropic-sdk-go's option.WithBaseURL and Claude
// Code's ANTHROPIC_BASE_URL take the URL without /v1, which they add
// themselves.
func (p *Provider) AnthropicURL() string { return "http://" + p.addr }

// anthropicError is the error object of an Anthropic error body,
// {"type":"error","error":{type,message},"request_id"}, with the HTTP
// status it goes with.
type anthropicError struct {
	status  int
	Type    string `json:"type"`
	Message string `json:"message"`
}

func (e *anthropicError) Error() string { return e.Message }

// writeAnthropicError answers e. The request id is the one ServeHTTP has
// already put in X-Request-Id; Anthropic sends it as request-id, where
// anthropic-sdk-go looks for it, and in the body.
func writeAnthropicError(w http.ResponseWriter, e *anthropicError) {
	id := anthropicRequestID(w)
	body, _ := json.Marshal(struct {
		Type      string          `json:"type"`
		Error     *anthropicError `json:"error"`
		RequestID string          `json:"request_id"`
	}{"error", e, id})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// anthropicRequestID sets the request-id header from X-Request-Id and
// returns it.
func anthropicRequestID(w http.ResponseWriter) string {
	id := w.Header().Get("X-Request-Id")
	w.Header().Set("Request-Id", id)
	return id
}

func badRequest(format string, a ...any) *anthropicError {
	return &anthropicError{status: http.StatusBadRequest, Type: "invalid_request_error", Message: fmt.Sprintf(format, a...)}
}

func errMessageTooLarge(limit int64) *anthropicError {
	return &anthropicError{status: http.StatusRequestEntityTooLarge, Type: "request_too_large",
		Message: fmt.Sprintf("Request exceeds the maximum allowed number of bytes: the limit is %d.", limit)}
}

func errOverloaded(status int) *anthropicError {
	return &anthropicError{status: status, Type: "overloaded_error", Message: "Overloaded"}
}

// anthropicErrorForStatus is the error Anthropic sends with status, as near
// as known; statuses Anthropic does not use get the nearest type
// (wire-formats.md §5: 503 overloaded, 408 timeout).
func anthropicErrorForStatus(status int, model string) *anthropicError {
	e := &anthropicError{status: status, Type: "invalid_request_error", Message: http.StatusText(status)}
	if status >= 500 {
		e.Type = "api_error"
	}
	switch status {
	case 400:
		e.Message = "Your request is invalid."
	case 401:
		e.Type, e.Message = "authentication_error", "invalid x-api-key"
	case 402:
		e.Type, e.Message = "billing_error", "Your credit balance is too low to access the Anthropic API."
	case 403:
		e.Type, e.Message = "permission_error", "Your API key does not have permission to use the specified resource."
	case 404:
		e.Type, e.Message = "not_found_error", "model: "+model
	case 408, 504:
		e.Type, e.Message = "timeout_error", "Request timed out."
	case 413:
		e.Type, e.Message = "request_too_large", "Request exceeds the maximum allowed number of bytes."
	case 429:
		e.Type, e.Message = "rate_limit_error", "Number of requests has exceeded your per-minute rate limit. Please try again later."
	case 500:
		e.Message = "Internal server error"
	case 503, 529:
		return errOverloaded(status)
	}
	if e.Message == "" {
		e.Message = "Error " + strconv.Itoa(status)
	}
	return e
}

// writeMessageStatusFault answers the fault's Status on an Anthropic path:
// the same headers as the OpenAI side, Anthropic's error body.
func (x *exchange) writeMessageStatusFault() {
	f := x.fault
	if f.Body != "" {
		anthropicRequestID(x.w)
		x.writeStatusFault() // the body verbatim
		return
	}
	h := x.w.Header()
	if f.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(ceilUnits(f.RetryAfter.D(), time.Second), 10))
	}
	if f.RetryAfterMs > 0 {
		h.Set("retry-after-ms", strconv.FormatInt(ceilUnits(f.RetryAfterMs.D(), time.Millisecond), 10))
	}
	var peek struct {
		Model string `json:"model"`
	}
	_ = json.Unmarshal(x.body, &peek)
	writeAnthropicError(x.w, anthropicErrorForStatus(f.Status, peek.Model))
}

// anthropic answers a request on an Anthropic path, after the early fault
// stages: the path and method, the API key, the anthropic-version header,
// the body, in that order.
func (x *exchange) anthropic() {
	anthropicRequestID(x.w)
	var serve func(*messagesRequest)
	switch x.r.URL.Path {
	case "/v1/messages":
		serve = x.messages
	case "/v1/messages/count_tokens":
		serve = x.countTokens
	default:
		writeAnthropicError(x.w, &anthropicError{status: http.StatusNotFound, Type: "not_found_error", Message: "Not Found"})
		return
	}
	if x.r.Method != http.MethodPost {
		writeAnthropicError(x.w, &anthropicError{status: http.StatusMethodNotAllowed, Type: "invalid_request_error", Message: "Method Not Allowed"})
		return
	}
	if e := x.p.authorizeAnthropic(x.r); e != nil {
		writeAnthropicError(x.w, e)
		return
	}
	if x.r.Header.Get("anthropic-version") == "" {
		writeAnthropicError(x.w, badRequest("anthropic-version: header is required"))
		return
	}
	req, e := parseMessagesRequest(x.body, x.r.URL.Path == "/v1/messages/count_tokens")
	if e != nil {
		writeAnthropicError(x.w, e)
		return
	}
	serve(req)
}

// authorizeAnthropic checks the x-api-key header when the provider has keys.
func (p *Provider) authorizeAnthropic(r *http.Request) *anthropicError {
	if len(p.cfg.keys) == 0 {
		return nil
	}
	key := r.Header.Get("X-Api-Key")
	if key == "" {
		return &anthropicError{status: http.StatusUnauthorized, Type: "authentication_error", Message: "x-api-key header is required"}
	}
	for _, k := range p.cfg.keys {
		if k == key {
			return nil
		}
	}
	return &anthropicError{status: http.StatusUnauthorized, Type: "authentication_error", Message: "invalid x-api-key"}
}

// sendMessageJSON is sendJSON for the Anthropic paths: an overloaded fault
// has no 200 to ride on, so a non-streamed answer is a 529 instead.
func (x *exchange) sendMessageJSON(body []byte) {
	if f := x.fault; f != nil && f.OverloadedAfterChunks != 0 && !f.Malformed {
		writeAnthropicError(x.w, errOverloaded(529))
		return
	}
	x.sendJSON(body)
}

func (x *exchange) countTokens(req *messagesRequest) {
	body, _ := json.Marshal(struct {
		InputTokens int `json:"input_tokens"`
	}{req.input})
	x.sendMessageJSON(body)
}

func (x *exchange) messages(req *messagesRequest) {
	m := x.reply(req)
	if req.stream {
		x.streamMessage(m)
		return
	}
	// A non-streamed answer arrives when its stream would have ended.
	if f := x.fault; f != nil && !x.sleep(f.TTFT.D()+time.Duration(m.answer.Tokens())*pace(f)) {
		return
	}
	body, _ := json.Marshal(m.json())
	x.sendMessageJSON(body)
}

// reply is one answer to a Messages request, before it is written.
type reply struct {
	ID     string
	Model  string
	Input  int // input tokens
	answer answer
}

// reply makes the answer to req. The id depends on the seed, the provider
// and the request's sequence number; the answer only on content.
func (x *exchange) reply(req *messagesRequest) *reply {
	p := x.p
	rng := rand.New(rand.NewPCG(p.sim.opts.Seed^x.n, hashString(p.name)))
	return &reply{
		ID:     "msg_" + randomID(rng, 24),
		Model:  req.chat.Model,
		Input:  req.input,
		answer: p.content.messageAnswer(req),
	}
}

// stopReason is Anthropic's name for the answer's finish reason.
func (m *reply) stopReason() string {
	switch m.answer.Finish {
	case "length":
		return "max_tokens"
	case "tool_calls":
		return "tool_use"
	}
	return "end_turn"
}

type anthropicMessageJSON struct {
	ID           string             `json:"id"`
	Type         string             `json:"type"`
	Role         string             `json:"role"`
	Model        string             `json:"model"`
	Content      []contentBlockJSON `json:"content"`
	StopReason   *string            `json:"stop_reason"`
	StopSequence *string            `json:"stop_sequence"`
	Usage        anthropicUsageJSON `json:"usage"`
}

type contentBlockJSON struct {
	Type  string          `json:"type"`
	Text  *string         `json:"text,omitempty"`
	ID    string          `json:"id,omitempty"`
	Name  string          `json:"name,omitempty"`
	Input json.RawMessage `json:"input,omitempty"`
}

type anthropicUsageJSON struct {
	InputTokens              int `json:"input_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
	CacheCreation            struct {
		Ephemeral5mInputTokens int `json:"ephemeral_5m_input_tokens"`
		Ephemeral1hInputTokens int `json:"ephemeral_1h_input_tokens"`
	} `json:"cache_creation"`
	OutputTokens int    `json:"output_tokens"`
	ServiceTier  string `json:"service_tier"`
}

// envelope is the message without content or stop reason, as message_start
// sends it.
func (m *reply) envelope() anthropicMessageJSON {
	return anthropicMessageJSON{
		ID: m.ID, Type: "message", Role: "assistant", Model: m.Model, Content: []contentBlockJSON{},
		Usage: anthropicUsageJSON{InputTokens: m.Input, ServiceTier: "standard"},
	}
}

func (m *reply) json() anthropicMessageJSON {
	out := m.envelope()
	out.StopReason = str(m.stopReason())
	out.Usage.OutputTokens = m.answer.Tokens()
	switch a := m.answer; {
	case a.Call != nil:
		input := json.RawMessage(strings.Join(a.Call.Args, ""))
		if !json.Valid(input) { // cut short by max_tokens
			input = json.RawMessage("{}")
		}
		out.Content = append(out.Content, contentBlockJSON{Type: "tool_use", ID: a.Call.ID, Name: a.Call.Name, Input: input})
	case len(a.Pieces) > 0:
		out.Content = append(out.Content, contentBlockJSON{Type: "text", Text: str(a.Text())})
	}
	return out
}

// messageAnswer is the answer to a Messages request: the OpenAI side's
// answer to the same conversation, with Anthropic's tool_use ids, or, after
// a prefill, its continuation.
func (c content) messageAnswer(req *messagesRequest) answer {
	chat := req.chat
	chat.Messages = req.chat.Messages[:req.answerUpTo]
	var a answer
	if req.prefilled {
		a = c.continuation(chat, req.prefill)
	} else {
		a = c.answer(&chat, 0)
	}
	if a.Call != nil {
		a.Call.ID = "toolu_" + strings.TrimPrefix(a.Call.ID, "call_")
	}
	return a
}

// continuation answers a conversation that ends with the assistant's
// prefill. When the answer to the conversation without it starts with the
// prefill, the continuation is the rest of that answer: a stream cut and
// continued elsewhere with its partial text as the prefill reads, in the
// end, as the uncut answer. Otherwise it is a fresh text answer to the
// conversation, prefill included.
func (c content) continuation(chat chatRequest, prefill string) answer {
	limit := chat.MaxTokens
	if len(chat.Messages) > 0 {
		whole := chat
		whole.MaxTokens = 0
		if w := c.answer(&whole, 0); w.Call == nil {
			if rest, ok := after(w.Pieces, prefill); ok {
				a := answer{Pieces: rest, Finish: "stop"}
				if limit > 0 && len(rest) > limit {
					a.Pieces, a.Finish = rest[:limit], "length"
				}
				return a
			}
		}
	}
	chat.Messages = append(slices.Clip(chat.Messages), message{Role: "assistant", Text: prefill})
	return c.answer(&chat, 0)
}

// after returns the pieces that follow prefix in the text the pieces make,
// splitting a piece that prefix ends inside; ok is false when the text
// does not start with prefix.
func after(pieces []string, prefix string) (rest []string, ok bool) {
	for i, p := range pieces {
		switch {
		case prefix == "":
			return pieces[i:], true
		case strings.HasPrefix(prefix, p):
			prefix = prefix[len(p):]
		case strings.HasPrefix(p, prefix):
			return append([]string{p[len(prefix):]}, pieces[i+1:]...), true
		default:
			return nil, false
		}
	}
	return nil, prefix == ""
}
