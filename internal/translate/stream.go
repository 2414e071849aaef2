package translate

import (
	"errors"
	"fmt"
)

// Stream translates one streamed answer, event by event, from the
// provider's dialect to the client's. It is stateful and not safe for
// concurrent use; make one per answer.
type Stream interface {
	// Event takes one provider event: its SSE event name (empty for
	// OpenAI, which sends none) and its data. It returns the client's
	// bytes for it: zero or more complete SSE events, in a fresh slice.
	// Provider events that mean nothing to the client (ping, unknown
	// types) give none. Data that is not the provider's dialect returns
	// an error wrapping ErrMalformed, and the translator stays as it was.
	// After the client's stream has ended (its last event or an error
	// event was returned), further events give nothing.
	Event(name, data []byte) ([]byte, error)
	// End tells that the provider's stream ended (EOF). It returns the
	// client's last bytes, if any, or ErrIncomplete when the provider's
	// stream ended before its last event: the client must then get an
	// error event, never a clean end.
	End() ([]byte, error)
}

// ErrIncomplete is returned by Stream.End when the provider's stream was
// cut before its final event.
var ErrIncomplete = errors.New("translate: provider stream ended before its final event")

// NewStream returns a translator from the provider's stream dialect to the
// client's. includeUsage says whether an OpenAI client asked for a usage
// chunk (stream_options.include_usage); other dialects always get usage.
func NewStream(provider, client Dialect, includeUsage bool) (Stream, error) {
	src, err := codecOf(provider)
	if err != nil {
		return nil, err
	}
	dst, err := codecOf(client)
	if err != nil {
		return nil, err
	}
	return &pipe{dec: src.newDecoder(), enc: dst.newEncoder(includeUsage)}, nil
}

// NewAnthropicToOpenAIStream translates an Anthropic stream for an OpenAI
// client: one chunk id throughout, the role chunk first, a usage chunk
// before [DONE] when includeUsage is set.
func NewAnthropicToOpenAIStream(includeUsage bool) Stream {
	return &pipe{dec: &anthropicDecoder{}, enc: &openAIEncoder{includeUsage: includeUsage}}
}

// NewOpenAIToAnthropicStream translates an OpenAI stream for an Anthropic
// client: message_start, content blocks, message_delta, message_stop.
// The provider request must have asked for usage (stream_options), as
// AnthropicToOpenAI does.
func NewOpenAIToAnthropicStream() Stream {
	return &pipe{dec: &openAIDecoder{}, enc: &anthropicEncoder{}}
}

// eventKind is what a canonical stream event says.
type eventKind uint8

const (
	// evStart: the answer begins; id, model and usage as far as known.
	evStart eventKind = iota + 1
	// evText: text for block.
	evText
	// evThinking: reasoning text for block; dialects without it drop it.
	evThinking
	// evToolStart: block is a tool call with id and name.
	evToolStart
	// evToolArgs: a fragment of block's arguments JSON, in text.
	evToolArgs
	// evBlockStop: block is complete.
	evBlockStop
	// evFinish: the model stopped, for stop (and stopSequence).
	evFinish
	// evUsage: the usage totals so far; each replaces the last, never adds.
	evUsage
	// evEnd: the answer is complete.
	evEnd
	// evError: the provider failed mid-stream with err.
	evError
)

// event is one canonical stream event. block is the decoder's key for a
// content block: Anthropic's block index, OpenAI's tool call index, or
// textBlock for OpenAI's text. Encoders map keys to their own indices.
type event struct {
	kind         eventKind
	block        int
	text         string
	id, name     string
	model        string
	stop         StopReason
	stopSequence string
	usage        Usage
	err          APIError
}

// textBlock is the key of OpenAI's text, which has no index.
const textBlock = -1

// streamDecoder reads one provider event into canonical events.
type streamDecoder interface {
	// decode appends the events that (name, data) means to evs. Its
	// errors wrap ErrMalformed.
	decode(evs []event, name, data []byte) ([]event, error)
	// end is called at the provider's EOF: it appends the events that the
	// end means, or fails with ErrIncomplete.
	end(evs []event) ([]event, error)
}

// streamEncoder writes canonical events as client bytes.
type streamEncoder interface {
	// encode appends ev's bytes to out. It ignores everything after the
	// stream's end or an error.
	encode(out []byte, ev *event) []byte
}

// pipe joins a decoder to an encoder.
type pipe struct {
	dec streamDecoder
	enc streamEncoder
	evs []event // reused between calls
}

var _ Stream = (*pipe)(nil)

func (p *pipe) Event(name, data []byte) ([]byte, error) {
	evs, err := p.dec.decode(p.evs[:0], name, data)
	if err != nil {
		return nil, err
	}
	return p.flush(evs), nil
}

func (p *pipe) End() ([]byte, error) {
	evs, err := p.dec.end(p.evs[:0])
	if err != nil {
		return nil, err
	}
	return p.flush(evs), nil
}

func (p *pipe) flush(evs []event) []byte {
	var out []byte
	for i := range evs {
		out = p.enc.encode(out, &evs[i])
	}
	clear(evs) // drop references to strings until the next call
	p.evs = evs
	return out
}

func malformed(what string, err error) error {
	return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
}
