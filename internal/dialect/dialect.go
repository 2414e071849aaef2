// Package dialect is the seam between the gateway and the wire formats
// it speaks: one Dialect per format, used on the client side (reading a
// request, writing answers and errors) and on the provider side (telling
// a stream's content from its preamble, reading errors). The formats
// themselves live in internal/openai and internal/anthropic, and the
// translation between them in internal/translate.
package dialect

import (
	"net/http"

	"github.com/backstophq/backstop/internal/anthropic"
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/needs"
	"github.com/backstophq/backstop/internal/openai"
	"github.com/backstophq/backstop/internal/sse"
	"github.com/backstophq/backstop/internal/translate"
)

// Request is what the gateway needs to know of a client's request, in any
// dialect; the body itself is forwarded or translated.
type Request struct {
	Model                string
	Stream, IncludeUsage bool
	// Needs is what a target must be able to do to serve the request.
	Needs     needs.Needs
	openai    openai.ChatRequest        // set for OpenAI clients
	anthropic anthropic.MessagesRequest // set for Anthropic clients
}

// APIError is an error the gateway writes to a client, in no dialect yet.
type APIError struct {
	Status int
	// Type is the dialect's own type, when the error came from a
	// provider that gave one; otherwise the status decides it.
	Type                 string
	Code, Param, Message string
}

// Upstream is a wire format as providers speak it: how to read a
// provider's stream events and bodies, and what to probe it with. Every
// provider dialect is one; only OpenAI and Anthropic are also client
// dialects (Dialect).
type Upstream interface {
	ID() translate.Dialect
	Classify(ev sse.Event) Kind
	Relayed(ev sse.Event) Relay
	EventError(data []byte) *failure.Error
	BodyError(body []byte) (failure.UpstreamError, bool)
	// ProbeBody is an active health probe's request for model.
	ProbeBody(model string) []byte
}

// Dialect is a wire format clients speak, on both sides of the gateway:
// an Upstream that also reads a client's request and writes to that
// client.
type Dialect interface {
	Upstream
	Parse(body []byte) (Request, *APIError)
	// RewriteModel returns body with quotedModel as its model and, when
	// limit > 0, its requested maximum output lowered to limit where it
	// asks for more (a target's max_output_tokens). Every other byte is
	// kept.
	RewriteModel(body []byte, req Request, quotedModel []byte, limit int64) []byte
	WriteError(w http.ResponseWriter, e APIError, requestID string)
	StreamError(e APIError) []byte
	Answer(id, model string, created int64, content string) []byte
	AnswerStream(id, model string, created int64, content string, includeUsage bool) []byte
}

// For returns the provider dialect named name ("openai", "anthropic",
// "gemini", "converse"), as a target speaks it (route.Target.Speaks).
// Unknown names get OpenAI's, the lingua franca of compatible servers.
func For(name string) Upstream {
	switch name {
	case string(translate.Anthropic):
		return anthropicDialect{}
	case string(translate.Gemini):
		return geminiDialect{}
	case string(converseID):
		return converseDialect{}
	}
	return openaiDialect{}
}

// OpenAI is OpenAI Chat Completions.
var OpenAI Dialect = openaiDialect{}

// Anthropic is Anthropic Messages.
var Anthropic Dialect = anthropicDialect{}

type openaiDialect struct{}

func (openaiDialect) ID() translate.Dialect { return translate.OpenAI }

func (openaiDialect) Parse(body []byte) (Request, *APIError) {
	req, rerr := openai.ParseChat(body)
	if rerr != nil {
		return Request{}, &APIError{Status: http.StatusBadRequest, Type: openai.TypeInvalidRequest, Code: rerr.Code, Param: rerr.Param, Message: rerr.Message}
	}
	return Request{Model: req.Model, Stream: req.Stream, IncludeUsage: req.IncludeUsage, Needs: req.Needs, openai: req}, nil
}

func (openaiDialect) RewriteModel(body []byte, req Request, quoted []byte, limit int64) []byte {
	return openai.RewriteModelCapped(body, req.openai, quoted, limit)
}

func (openaiDialect) WriteError(w http.ResponseWriter, e APIError, _ string) {
	openai.WriteError(w, e.Status, openai.Error{Message: e.Message, Type: openaiType(e), Param: e.Param, Code: e.Code})
}

func (openaiDialect) StreamError(e APIError) []byte {
	return openai.StreamError(openai.Error{Message: e.Message, Type: openaiType(e), Code: e.Code})
}

// openaiType is e's OpenAI type: its own when it is not one of
// Anthropic's, else one that follows its status.
func openaiType(e APIError) string {
	switch {
	case e.Type != "" && anthropic.TypeForStatus(anthropic.StatusOf(anthropic.Error{Type: e.Type})) != e.Type:
		return e.Type
	case e.Status == http.StatusTooManyRequests:
		return openai.TypeRateLimit
	case e.Status >= 500:
		return openai.TypeServer
	}
	return openai.TypeInvalidRequest
}

func (openaiDialect) Answer(id, model string, created int64, content string) []byte {
	return openai.Answer{ID: openai.CompletionID(id), Model: model, Created: created, Content: content}.Completion()
}

func (openaiDialect) AnswerStream(id, model string, created int64, content string, includeUsage bool) []byte {
	return openai.Answer{ID: openai.CompletionID(id), Model: model, Created: created, Content: content}.Stream(includeUsage)
}

func (openaiDialect) Classify(ev sse.Event) Kind { return openai.Classify(ev.Data) }

func (openaiDialect) Relayed(ev sse.Event) Relay { return openai.IsErrorOrDone(ev.Data) }

func (openaiDialect) EventError(data []byte) *failure.Error {
	e, _ := openai.ParseError(data)
	return (&failure.Error{Kind: failure.Status, Status: openai.StatusOf(e), Upstream: upstreamOf(e)}).Classified()
}

func (openaiDialect) BodyError(body []byte) (failure.UpstreamError, bool) {
	if openai.IsErrorOrDone(body) != openai.Failed {
		return failure.UpstreamError{}, false
	}
	e, _ := openai.ParseError(body)
	return upstreamOf(e), true
}

type anthropicDialect struct{}

func (anthropicDialect) ID() translate.Dialect { return translate.Anthropic }

func (anthropicDialect) Parse(body []byte) (Request, *APIError) {
	req, rerr := anthropic.ParseMessages(body)
	if rerr != nil {
		return Request{}, &APIError{Status: http.StatusBadRequest, Type: anthropic.TypeInvalidRequest, Param: rerr.Param, Message: rerr.Message}
	}
	return Request{Model: req.Model, Stream: req.Stream, Needs: req.Needs, anthropic: req}, nil
}

func (anthropicDialect) RewriteModel(body []byte, req Request, quoted []byte, limit int64) []byte {
	return anthropic.RewriteModelCapped(body, req.anthropic, quoted, limit)
}

func (anthropicDialect) WriteError(w http.ResponseWriter, e APIError, requestID string) {
	anthropic.WriteError(w, e.Status, anthropic.Error{Type: anthropicType(e), Message: e.Message}, requestID)
}

func (anthropicDialect) StreamError(e APIError) []byte {
	return anthropic.StreamError(anthropic.Error{Type: anthropicType(e), Message: e.Message})
}

// anthropicType is e's Anthropic type: its own when it is one of
// Anthropic's (it maps to a status that maps back to it), else the one of
// its status.
func anthropicType(e APIError) string {
	if e.Type != "" && anthropic.TypeForStatus(anthropic.StatusOf(anthropic.Error{Type: e.Type})) == e.Type {
		return e.Type
	}
	return anthropic.TypeForStatus(e.Status)
}

func (anthropicDialect) Answer(id, model string, _ int64, content string) []byte {
	return anthropic.Answer{ID: anthropic.MessageID(id), Model: model, Content: content}.Message()
}

func (anthropicDialect) AnswerStream(id, model string, _ int64, content string, _ bool) []byte {
	return anthropic.Answer{ID: anthropic.MessageID(id), Model: model, Content: content}.Stream()
}

func (anthropicDialect) Classify(ev sse.Event) Kind {
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

func (anthropicDialect) Relayed(ev sse.Event) Relay {
	switch anthropic.IsErrorOrDone(ev.Name, ev.Data) {
	case anthropic.End:
		return openai.End
	case anthropic.Failed:
		return openai.Failed
	}
	return openai.Ordinary
}

func (anthropicDialect) EventError(data []byte) *failure.Error {
	e, _ := anthropic.ParseError(data)
	return (&failure.Error{Kind: failure.Status, Status: anthropic.StatusOf(e), Upstream: failure.UpstreamError{Type: e.Type, Message: e.Message}}).Classified()
}

func (anthropicDialect) BodyError(body []byte) (failure.UpstreamError, bool) {
	e, ok := anthropic.ParseError(body)
	if !ok {
		return failure.UpstreamError{}, false
	}
	return failure.UpstreamError{Type: e.Type, Message: e.Message}, true
}

func upstreamOf(e openai.Error) failure.UpstreamError {
	return failure.UpstreamError{Type: e.Type, Code: e.Code, Param: e.Param, Message: e.Message}
}

// ProbeBody is the body of an active health probe of model: one short
// message and one output token, streamed, so that it costs next to
// nothing and measures the time to first token.
func (openaiDialect) ProbeBody(model string) []byte {
	b := []byte(`{"model":`)
	b = append(b, openai.Quote(model)...)
	return append(b, `,"messages":[{"role":"user","content":"ping"}],"max_tokens":1,"stream":true,"stream_options":{"include_usage":true}}`...)
}

// ProbeBody is the body of an active health probe of model.
func (anthropicDialect) ProbeBody(model string) []byte {
	b := []byte(`{"model":`)
	b = append(b, openai.Quote(model)...)
	return append(b, `,"max_tokens":1,"messages":[{"role":"user","content":"ping"}],"stream":true}`...)
}

// Kind is what a provider's stream event holds, as far as the gateway
// cares; the same kinds in every dialect.
type Kind = openai.ChunkKind

// The kinds of stream events.
const (
	// Preamble: nothing a client shows yet; failing over after it is
	// still invisible.
	Preamble = openai.Preamble
	// Content: the first of these is where the gateway commits.
	Content = openai.Content
	// ErrorEvent: the provider reports an error inside the stream.
	ErrorEvent = openai.ErrorChunk
	// Done: the stream's end marker.
	Done = openai.DoneChunk
	// Garbage: not the dialect.
	Garbage = openai.Garbage
)

// Relay is what an event seen after commit means.
type Relay = openai.Relayed

// The meanings of an event after commit.
const (
	Ordinary = openai.Ordinary
	End      = openai.End
	Failed   = openai.Failed
)

// OpenAIEmbeddings is OpenAI's embeddings endpoint: OpenAI's dialect with
// an embeddings request instead of a chat one.
var OpenAIEmbeddings Dialect = embeddingsDialect{}

type embeddingsDialect struct{ openaiDialect }

func (embeddingsDialect) Parse(body []byte) (Request, *APIError) {
	req, rerr := openai.ParseEmbeddings(body)
	if rerr != nil {
		return Request{}, &APIError{Status: http.StatusBadRequest, Type: openai.TypeInvalidRequest, Code: rerr.Code, Param: rerr.Param, Message: rerr.Message}
	}
	n := req.Needs
	n.Embeddings = true
	return Request{Model: req.Model, Needs: n, openai: req}, nil
}
