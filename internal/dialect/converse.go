package dialect

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/backstophq/backstop/internal/bedrock"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/sse"
	"github.com/backstophq/backstop/internal/translate"
)

// Converse is Bedrock's Converse API, as the Bedrock adapter hands it to
// the gateway: JSON bodies, and streams re-framed as named SSE events
// (internal/bedrock's package comment). It is a provider-side dialect;
// its client-side methods write what Bedrock itself would, so that
// nothing built on the interface gets a wrong shape.
var Converse Dialect = converseDialect{}

// converseID is the dialect's name, as translate and For name it.
const converseID = translate.Converse

type converseDialect struct{}

func (converseDialect) ID() translate.Dialect { return converseID }

// Parse checks that body is a Converse request: an object with a
// non-empty messages array. The model is in Converse's URL, not its body.
func (converseDialect) Parse(body []byte) (Request, *APIError) {
	var req struct {
		Messages []json.RawMessage `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return Request{}, &APIError{Status: http.StatusBadRequest, Type: "ValidationException", Message: "The request body is not a JSON object."}
	}
	if len(req.Messages) == 0 {
		return Request{}, &APIError{Status: http.StatusBadRequest, Type: "ValidationException", Param: "messages",
			Message: "1 validation error detected: Value at 'messages' failed to satisfy constraint: Member must have length greater than or equal to 1"}
	}
	return Request{}, nil
}

// RewriteModel returns body: a Converse body names no model, and Converse
// is never a client's dialect, so no pass-through needs its cap lowered
// here (a translation caps the request it makes).
func (converseDialect) RewriteModel(body []byte, _ Request, _ []byte, _ int64) []byte { return body }

// converseException is the Bedrock exception e stands for: its own type or
// code when that names one, else the one Bedrock answers e's status with.
func converseException(e APIError) bedrock.Exception {
	for _, name := range []string{e.Type, e.Code} {
		if x, ok := bedrock.LookupException(name); ok && name != "" {
			return x
		}
	}
	return bedrock.ExceptionFor(e.Status)
}

// WriteError answers as Bedrock does: the exception in X-Amzn-ErrorType,
// {"message"} as the body.
func (converseDialect) WriteError(w http.ResponseWriter, e APIError, requestID string) {
	x := converseException(e)
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{e.Message})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", x.Name)
	if requestID != "" {
		h.Set("X-Amzn-RequestId", requestID)
	}
	status := e.Status
	if status == 0 {
		status = x.Status
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// StreamError is the exception event the Bedrock adapter re-frames an
// exception message into.
func (converseDialect) StreamError(e APIError) []byte {
	name := converseException(e).StreamName()
	data, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{name, e.Message})
	return sseEvent(nil, name, data)
}

func sseEvent(out []byte, name string, data []byte) []byte {
	out = append(out, "event: "...)
	out = append(out, name...)
	out = append(out, "\ndata: "...)
	out = append(out, data...)
	return append(out, "\n\n"...)
}

type converseText struct {
	Text string `json:"text"`
}

type converseUsage struct {
	InputTokens  int `json:"inputTokens"`
	OutputTokens int `json:"outputTokens"`
	TotalTokens  int `json:"totalTokens"`
}

type converseMetrics struct {
	LatencyMs int64 `json:"latencyMs"`
}

// Answer is a Converse response with content as its text. Converse
// answers carry no id or model.
func (converseDialect) Answer(_, _ string, _ int64, content string) []byte {
	var out struct {
		Output struct {
			Message struct {
				Role    string         `json:"role"`
				Content []converseText `json:"content"`
			} `json:"message"`
		} `json:"output"`
		StopReason string          `json:"stopReason"`
		Usage      converseUsage   `json:"usage"`
		Metrics    converseMetrics `json:"metrics"`
	}
	out.Output.Message.Role = "assistant"
	out.Output.Message.Content = []converseText{{Text: content}}
	out.StopReason = "end_turn"
	b, _ := json.Marshal(out)
	return b
}

// AnswerStream is a ConverseStream answer with content as its text, as
// re-framed SSE events, metadata last.
func (converseDialect) AnswerStream(_, _ string, _ int64, content string, _ bool) []byte {
	delta, _ := json.Marshal(struct {
		Index int          `json:"contentBlockIndex"`
		Delta converseText `json:"delta"`
	}{0, converseText{content}})
	out := sseEvent(nil, "messageStart", []byte(`{"role":"assistant"}`))
	out = sseEvent(out, "contentBlockDelta", delta)
	out = sseEvent(out, "contentBlockStop", []byte(`{"contentBlockIndex":0}`))
	out = sseEvent(out, "messageStop", []byte(`{"stopReason":"end_turn"}`))
	return sseEvent(out, "metadata", []byte(`{"usage":{"inputTokens":0,"outputTokens":0,"totalTokens":0},"metrics":{"latencyMs":0}}`))
}

// isException reports whether an event name is an exception's:
// throttlingException, modelStreamErrorException, ...
func isException(name string) bool {
	return strings.HasSuffix(name, "Exception")
}

// Classify follows bedrock.ClassifyConverse: messageStart, a block's stop
// and an empty delta are preamble; a block's start, its deltas and
// messageStop (the stop reason, as Anthropic's message_delta) are
// content; metadata, which comes after messageStop, is the stream's end;
// an exception is an error. An event without a name is garbage: the
// re-framing names every event.
func (converseDialect) Classify(ev sse.Event) Kind {
	if len(ev.Name) == 0 {
		return Garbage
	}
	switch bedrock.ClassifyConverse(ev.Name, ev.Data) {
	case bedrock.ConversePreamble:
		return Preamble
	case bedrock.ConverseContent:
		return Content
	case bedrock.ConverseFailed:
		return ErrorEvent
	case bedrock.ConverseEnd:
		return Done
	}
	return Garbage
}

// Relayed: metadata ends the stream, an exception breaks it.
func (converseDialect) Relayed(ev sse.Event) Relay {
	switch name := string(ev.Name); {
	case name == "metadata":
		return End
	case isException(name):
		return Failed
	}
	return Ordinary
}

// exceptionData is an exception event's data, or a Bedrock error body.
type exceptionData struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// EventError reads an exception event's data: its "__type" (added by the
// re-framing) gives the status.
func (converseDialect) EventError(data []byte) *failure.Error {
	var d exceptionData
	_ = json.Unmarshal(data, &d)
	x, ok := bedrock.LookupException(d.Type)
	if !ok {
		x = bedrock.Exception{Name: "InternalServerException", Status: http.StatusInternalServerError}
	}
	msg := d.Message
	if msg == "" {
		msg = x.Name + " in the stream (status " + strconv.Itoa(x.Status) + ")"
	}
	return &failure.Error{Kind: failure.Status, Status: x.Status, Upstream: failure.UpstreamError{Code: x.Name, Message: msg}}
}

// BodyError reports a 200 body that is an error: one with a "__type"
// naming an exception and no output.
func (converseDialect) BodyError(body []byte) (failure.UpstreamError, bool) {
	var d struct {
		exceptionData
		Output json.RawMessage `json:"output"`
	}
	if json.Unmarshal(body, &d) != nil || d.Output != nil {
		return failure.UpstreamError{}, false
	}
	x, ok := bedrock.LookupException(d.Type)
	if !ok {
		return failure.UpstreamError{}, false
	}
	return failure.UpstreamError{Code: x.Name, Message: d.Message}, true
}

// ProbeBody is a Converse probe: one short message, one output token. The
// model is in the URL.
func (converseDialect) ProbeBody(string) []byte {
	return []byte(`{"messages":[{"role":"user","content":[{"text":"ping"}]}],"inferenceConfig":{"maxTokens":1}}`)
}
