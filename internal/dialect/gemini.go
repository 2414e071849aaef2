package dialect

import (
	"github.com/backstophq/backstop/internal/failure"
	"github.com/backstophq/backstop/internal/gemini"
	"github.com/backstophq/backstop/internal/sse"
	"github.com/backstophq/backstop/internal/translate"
)

// Gemini is Google's Gemini API. The gateway speaks it to providers; no
// client speaks it to the gateway.
var Gemini Upstream = geminiDialect{}

type geminiDialect struct{}

func (geminiDialect) ID() translate.Dialect { return translate.Gemini }

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
