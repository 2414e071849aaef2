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
// (internal/bedrock's package comment). No client speaks it to the
// gateway.
var Converse Upstream = converseDialect{}

// converseID is the dialect's name, as translate and For name it.
const converseID = translate.Converse

type converseDialect struct{}

func (converseDialect) ID() translate.Dialect { return converseID }

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
