package dialect

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/gemini"
	"github.com/backstophq/backstop/internal/sse"
	"github.com/backstophq/backstop/internal/translate"
)

// Gemini is Google's Gemini API. The gateway speaks it to providers; it
// has no Gemini ingress, so its client side serves tools and tests, and
// writes what Gemini itself would.
var Gemini Dialect = geminiDialect{}

type geminiDialect struct{}

func (geminiDialect) ID() translate.Dialect { return translate.Gemini }

// Parse checks that body is a generateContent request. The model and the
// choice to stream are in Gemini's URL, not its body, so the Request has
// neither.
func (geminiDialect) Parse(body []byte) (Request, *APIError) {
	var in struct {
		Contents []json.RawMessage `json:"contents"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return Request{}, &APIError{Status: http.StatusBadRequest, Type: "INVALID_ARGUMENT", Message: "Invalid JSON payload received. " + err.Error()}
	}
	if len(in.Contents) == 0 {
		return Request{}, &APIError{Status: http.StatusBadRequest, Type: "INVALID_ARGUMENT", Param: "contents", Message: "contents is not specified"}
	}
	return Request{}, nil
}

// RewriteModel returns body as it is: Gemini's model is in the URL, and
// Gemini is no ingress, so no client body of its own is ever capped here.
func (geminiDialect) RewriteModel(body []byte, _ Request, _ []byte, _ int64) []byte { return body }

func (geminiDialect) WriteError(w http.ResponseWriter, e APIError, _ string) {
	gemini.WriteError(w, geminiError(e))
}

func (geminiDialect) StreamError(e APIError) []byte { return gemini.StreamError(geminiError(e)) }

// geminiError is e in Google's shape: its own status when it is one of
// Google's (all upper case), else the one of its HTTP status.
func geminiError(e APIError) gemini.Error {
	status := e.Type
	if status == "" || strings.ToUpper(status) != status {
		status = gemini.StatusName(e.Status)
	}
	msg := e.Message
	if e.Param != "" && !strings.HasPrefix(msg, e.Param) {
		msg = e.Param + ": " + msg
	}
	return gemini.Error{Code: e.Status, Message: msg, Status: status}
}

func (geminiDialect) Answer(id, model string, _ int64, content string) []byte {
	return gemini.Answer{ID: id, Model: model, Content: content}.Response()
}

func (geminiDialect) AnswerStream(id, model string, _ int64, content string, _ bool) []byte {
	return gemini.Answer{ID: id, Model: model, Content: content}.Stream()
}

// Classify tells content from preamble. Gemini has no end marker, so no
// chunk is Done: the translation decides at EOF whether the stream ended
// after its finishReason (complete) or before it (cut).
func (geminiDialect) Classify(ev sse.Event) Kind {
	switch gemini.Classify(ev.Data) {
	case gemini.Content:
		return Content
	case gemini.Preamble:
		return Preamble
	case gemini.ErrorChunk:
		return ErrorEvent
	}
	return Garbage
}

func (geminiDialect) Relayed(ev sse.Event) Relay {
	if gemini.IsError(ev.Data) {
		return Failed
	}
	return Ordinary
}

func (geminiDialect) EventError(data []byte) *failure.Error {
	e, _ := gemini.ParseError(data)
	return &failure.Error{Kind: failure.Status, Status: gemini.HTTPStatus(e), Upstream: geminiUpstream(e)}
}

func (geminiDialect) BodyError(body []byte) (failure.UpstreamError, bool) {
	e, ok := gemini.ParseError(body)
	if !ok {
		return failure.UpstreamError{}, false
	}
	return geminiUpstream(e), true
}

// geminiUpstream keeps Google's status (or the reason of its details,
// which says more: API_KEY_INVALID) as the code; the type is left to each
// client dialect, which derives it from the HTTP status.
func geminiUpstream(e gemini.Error) failure.UpstreamError {
	code := e.Status
	if e.Reason != "" {
		code = e.Reason
	}
	return failure.UpstreamError{Code: code, Message: e.Message}
}

// ProbeBody is the body of an active health probe: one short message and
// one output token. The model and streaming are in the probe's URL.
func (geminiDialect) ProbeBody(string) []byte {
	return []byte(`{"contents":[{"role":"user","parts":[{"text":"ping"}]}],"generationConfig":{"maxOutputTokens":1}}`)
}
