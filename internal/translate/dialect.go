package translate

import (
	"errors"
	"fmt"
)

// Dialect is a provider wire format, named as in the config ("openai",
// "anthropic").
type Dialect string

const (
	// OpenAI is OpenAI Chat Completions, and every server that speaks it.
	OpenAI Dialect = "openai"
	// Anthropic is Anthropic Messages.
	Anthropic Dialect = "anthropic"
	// Gemini is Google's Gemini API (generateContent).
	Gemini Dialect = "gemini"
)

// ErrMalformed wraps every failure to read a provider's response, stream
// event or error body: the provider did not speak its dialect. The gateway
// treats it as a malformed answer (a provider failure), never as the
// client's fault.
var ErrMalformed = errors.New("translate: malformed provider data")

// codec is one dialect's half of every translation: reading its wire
// format into the canonical model and writing the model back out.
type codec struct {
	// decodeRequest reads a client's request. Its errors are *Error: the
	// client sent something that cannot be carried.
	decodeRequest func(body []byte) (*Request, error)
	// encodeRequest writes a provider request for model. It returns *Error
	// for what the dialect cannot express.
	encodeRequest func(req *Request, model string) ([]byte, error)
	// decodeResponse reads a provider's non-streamed answer; its errors wrap
	// ErrMalformed.
	decodeResponse func(body []byte) (*Response, error)
	// encodeResponse writes a non-streamed answer for the client.
	encodeResponse func(resp *Response) ([]byte, error)
	// newDecoder and newEncoder start a stream translation.
	newDecoder func() streamDecoder
	newEncoder func(includeUsage bool) streamEncoder
}

// codecs lists the dialects this package speaks. A new dialect adds its
// codec here.
var codecs = map[Dialect]*codec{
	OpenAI:    &openAICodec,
	Anthropic: &anthropicCodec,
	Converse:  &converseCodec,
	Gemini:    &geminiCodec,
}

func codecOf(d Dialect) (*codec, error) {
	c, ok := codecs[d]
	if !ok {
		return nil, fmt.Errorf("translate: unknown dialect %q", d)
	}
	return c, nil
}

// ConvertRequest translates a client's request body from one dialect to a
// provider's, with the provider's model set. A request that the target
// cannot express fails with an *Error naming the field.
func ConvertRequest(from, to Dialect, body []byte, model string) ([]byte, error) {
	return ConvertRequestCapped(from, to, body, model, 0)
}

// ConvertRequestCapped is ConvertRequest for a target whose answers are
// capped at outputCap tokens (its max_output_tokens; 0 for no cap): a
// larger max_tokens is lowered to it, and a default max_tokens is at most
// it.
func ConvertRequestCapped(from, to Dialect, body []byte, model string, outputCap int) ([]byte, error) {
	src, err := codecOf(from)
	if err != nil {
		return nil, err
	}
	dst, err := codecOf(to)
	if err != nil {
		return nil, err
	}
	req, err := src.decodeRequest(body)
	if err != nil {
		return nil, err
	}
	if outputCap > 0 {
		req.OutputCap = outputCap
		if req.MaxTokens > outputCap {
			req.MaxTokens = outputCap
		}
	}
	return dst.encodeRequest(req, model)
}

// ConvertResponse translates a provider's non-streamed answer into the
// client's dialect. Errors wrap ErrMalformed.
func ConvertResponse(from, to Dialect, body []byte) ([]byte, error) {
	src, err := codecOf(from)
	if err != nil {
		return nil, err
	}
	dst, err := codecOf(to)
	if err != nil {
		return nil, err
	}
	resp, err := src.decodeResponse(body)
	if err != nil {
		return nil, err
	}
	return dst.encodeResponse(resp)
}

// OpenAIToAnthropic translates an OpenAI chat completion request into an
// Anthropic Messages request for model.
func OpenAIToAnthropic(body []byte, model string) ([]byte, error) {
	return ConvertRequest(OpenAI, Anthropic, body, model)
}

// AnthropicToOpenAI translates an Anthropic Messages request into an
// OpenAI chat completion request for model.
func AnthropicToOpenAI(body []byte, model string) ([]byte, error) {
	return ConvertRequest(Anthropic, OpenAI, body, model)
}

// AnthropicResponseToOpenAI translates an Anthropic message into an OpenAI
// chat completion, keeping the provider's id and model.
func AnthropicResponseToOpenAI(body []byte) ([]byte, error) {
	return ConvertResponse(Anthropic, OpenAI, body)
}

// OpenAIResponseToAnthropic translates an OpenAI chat completion into an
// Anthropic message, keeping the provider's id and model.
func OpenAIResponseToAnthropic(body []byte) ([]byte, error) {
	return ConvertResponse(OpenAI, Anthropic, body)
}
