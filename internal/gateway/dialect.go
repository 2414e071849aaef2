package gateway

import (
	"net/http"

	"github.com/backstophq/backstop/internal/anthropic"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/openai"
	"github.com/backstophq/backstop/internal/sse"
	"github.com/backstophq/backstop/internal/translate"
)

// request is what the gateway needs to know of a client's request, in any
// dialect; the body itself is forwarded or translated.
type request struct {
	model                string
	stream, includeUsage bool
	openai               openai.ChatRequest        // set for OpenAI clients
	anthropic            anthropic.MessagesRequest // set for Anthropic clients
}

// apiError is an error the gateway writes to a client, in no dialect yet.
type apiError struct {
	status               int
	typ                  string // the dialect's own type, when known
	code, param, message string
}

// dialect is a wire format, on either side of the gateway: how to read a
// client's request and write to that client, and how to read a
// provider's stream events and bodies.
type dialect interface {
	id() translate.Dialect
	// Client side.
	parse(body []byte) (request, *apiError)
	rewriteModel(body []byte, req request, quotedModel []byte) []byte
	writeError(w http.ResponseWriter, e apiError, requestID string)
	streamError(e apiError) []byte
	answer(id, model string, created int64, content string) []byte
	answerStream(id, model string, created int64, content string, includeUsage bool) []byte
	// Provider side.
	classify(ev sse.Event) openai.ChunkKind
	relayed(ev sse.Event) openai.Relayed
	eventError(data []byte) *failure.Error
	bodyError(body []byte) (failure.UpstreamError, bool)
}

// dialectOf returns the dialect a provider speaks.
func dialectOf(name string) dialect {
	if name == string(translate.Anthropic) {
		return anthropicDialect{}
	}
	return openaiDialect{}
}

type openaiDialect struct{}

func (openaiDialect) id() translate.Dialect { return translate.OpenAI }

func (openaiDialect) parse(body []byte) (request, *apiError) {
	req, rerr := openai.ParseChat(body)
	if rerr != nil {
		return request{}, &apiError{status: http.StatusBadRequest, typ: openai.TypeInvalidRequest, code: rerr.Code, param: rerr.Param, message: rerr.Message}
	}
	return request{model: req.Model, stream: req.Stream, includeUsage: req.IncludeUsage, openai: req}, nil
}

func (openaiDialect) rewriteModel(body []byte, req request, quoted []byte) []byte {
	return openai.RewriteModel(body, req.openai, quoted)
}

func (openaiDialect) writeError(w http.ResponseWriter, e apiError, _ string) {
	openai.WriteError(w, e.status, openai.Error{Message: e.message, Type: openaiType(e), Param: e.param, Code: e.code})
}

func (openaiDialect) streamError(e apiError) []byte {
	return openai.StreamError(openai.Error{Message: e.message, Type: openaiType(e), Code: e.code})
}

// openaiType is e's OpenAI type: its own when it is not one of
// Anthropic's, else one that follows its status.
func openaiType(e apiError) string {
	switch {
	case e.typ != "" && anthropic.TypeForStatus(anthropic.StatusOf(anthropic.Error{Type: e.typ})) != e.typ:
		return e.typ
	case e.status == http.StatusTooManyRequests:
		return openai.TypeRateLimit
	case e.status >= 500:
		return openai.TypeServer
	}
	return openai.TypeInvalidRequest
}

func (openaiDialect) answer(id, model string, created int64, content string) []byte {
	return openai.Answer{ID: openai.CompletionID(id), Model: model, Created: created, Content: content}.Completion()
}

func (openaiDialect) answerStream(id, model string, created int64, content string, includeUsage bool) []byte {
	return openai.Answer{ID: openai.CompletionID(id), Model: model, Created: created, Content: content}.Stream(includeUsage)
}

func (openaiDialect) classify(ev sse.Event) openai.ChunkKind { return openai.Classify(ev.Data) }

func (openaiDialect) relayed(ev sse.Event) openai.Relayed { return openai.IsErrorOrDone(ev.Data) }

func (openaiDialect) eventError(data []byte) *failure.Error {
	e, _ := openai.ParseError(data)
	return &failure.Error{Kind: failure.Status, Status: openai.StatusOf(e), Upstream: upstream(e)}
}

func (openaiDialect) bodyError(body []byte) (failure.UpstreamError, bool) {
	if openai.IsErrorOrDone(body) != openai.Failed {
		return failure.UpstreamError{}, false
	}
	e, _ := openai.ParseError(body)
	return upstream(e), true
}

type anthropicDialect struct{}

func (anthropicDialect) id() translate.Dialect { return translate.Anthropic }

func (anthropicDialect) parse(body []byte) (request, *apiError) {
	req, rerr := anthropic.ParseMessages(body)
	if rerr != nil {
		return request{}, &apiError{status: http.StatusBadRequest, typ: anthropic.TypeInvalidRequest, param: rerr.Param, message: rerr.Message}
	}
	return request{model: req.Model, stream: req.Stream, anthropic: req}, nil
}

func (anthropicDialect) rewriteModel(body []byte, req request, quoted []byte) []byte {
	return anthropic.RewriteModel(body, req.anthropic, quoted)
}

func (anthropicDialect) writeError(w http.ResponseWriter, e apiError, requestID string) {
	anthropic.WriteError(w, e.status, anthropic.Error{Type: anthropicType(e), Message: e.message}, requestID)
}

func (anthropicDialect) streamError(e apiError) []byte {
	return anthropic.StreamError(anthropic.Error{Type: anthropicType(e), Message: e.message})
}

// anthropicType is e's Anthropic type: its own when it is one of
// Anthropic's (it maps to a status that maps back to it), else the one of
// its status.
func anthropicType(e apiError) string {
	if e.typ != "" && anthropic.TypeForStatus(anthropic.StatusOf(anthropic.Error{Type: e.typ})) == e.typ {
		return e.typ
	}
	return anthropic.TypeForStatus(e.status)
}

func (anthropicDialect) answer(id, model string, _ int64, content string) []byte {
	return anthropic.Answer{ID: anthropic.MessageID(id), Model: model, Content: content}.Message()
}

func (anthropicDialect) answerStream(id, model string, _ int64, content string, _ bool) []byte {
	return anthropic.Answer{ID: anthropic.MessageID(id), Model: model, Content: content}.Stream()
}

func (anthropicDialect) classify(ev sse.Event) openai.ChunkKind {
	switch anthropic.Classify(ev.Name, ev.Data) {
	case anthropic.Preamble:
		return openai.Preamble
	case anthropic.Content:
		return openai.Content
	case anthropic.ErrorChunk:
		return openai.ErrorChunk
	case anthropic.DoneChunk:
		return openai.DoneChunk
	}
	return openai.Garbage
}

func (anthropicDialect) relayed(ev sse.Event) openai.Relayed {
	switch anthropic.IsErrorOrDone(ev.Name, ev.Data) {
	case anthropic.End:
		return openai.End
	case anthropic.Failed:
		return openai.Failed
	}
	return openai.Ordinary
}

func (anthropicDialect) eventError(data []byte) *failure.Error {
	e, _ := anthropic.ParseError(data)
	return &failure.Error{Kind: failure.Status, Status: anthropic.StatusOf(e), Upstream: failure.UpstreamError{Type: e.Type, Message: e.Message}}
}

func (anthropicDialect) bodyError(body []byte) (failure.UpstreamError, bool) {
	e, ok := anthropic.ParseError(body)
	if !ok {
		return failure.UpstreamError{}, false
	}
	return failure.UpstreamError{Type: e.Type, Message: e.Message}, true
}
