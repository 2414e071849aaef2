package translate

import (
	"encoding/json"
	"time"
)

// now is the clock that stamps "created" on OpenAI responses and chunks.
// Tests replace it to make golden files stable.
var now = time.Now

// Role is who speaks a message of the canonical conversation.
type Role uint8

const (
	// RoleSystem is an instruction given inside the conversation, after it
	// began (an OpenAI system or developer message that is not at the top,
	// an Anthropic "system" turn inside messages). Instructions at the top
	// go to Request.System.
	RoleSystem Role = iota + 1
	RoleUser
	RoleAssistant
)

// Request is a chat request in no dialect. Zero values mean "not set":
// each encoder then leaves the field out or applies its dialect's default.
type Request struct {
	// System holds the instructions given before the conversation, in
	// order, one entry per block or message.
	System []string
	// Messages is the conversation. A codec may hold consecutive messages of
	// the same role; encoders whose dialect requires alternation merge them.
	Messages []Message
	// Tools the model may call, in order.
	Tools []Tool
	// ToolChoice says whether and which tools must be called.
	ToolChoice ToolChoice
	// ParallelToolCalls is nil when the client did not say.
	ParallelToolCalls *bool
	// JSON asks for a JSON answer; nil means free text.
	JSON *JSONFormat
	// MaxTokens caps the answer; 0 means not set.
	MaxTokens int
	// OutputCap is the target's max_output_tokens, 0 for none. MaxTokens
	// is already at most OutputCap; an encoder that must choose a default
	// max_tokens (Anthropic's is required) chooses at most this.
	OutputCap int
	// Temperature, TopP and TopK are the sampling settings, nil when unset.
	// Temperature is the client's value; each encoder clamps it into its
	// dialect's range (OpenAI 0–2, Anthropic 0–1).
	Temperature *float64
	TopP        *float64
	TopK        *int
	// Stop lists the stop sequences.
	Stop []string
	// Stream asks for a streamed answer; IncludeUsage asks the stream to
	// report usage (OpenAI's stream_options.include_usage).
	Stream       bool
	IncludeUsage bool
	// User identifies the end user for the provider's abuse monitoring.
	User string
}

// Message is one turn of the conversation.
type Message struct {
	Role  Role
	Parts []Part
}

// PartKind says which fields of a Part are used.
type PartKind uint8

const (
	// PartText uses Text.
	PartText PartKind = iota + 1
	// PartImage uses Media: base64 Data with MediaType, or a URL.
	PartImage
	// PartDocument uses Media: a file such as a PDF, as base64 Data.
	PartDocument
	// PartToolCall uses Call; only in assistant messages.
	PartToolCall
	// PartToolResult uses Result; only in user messages.
	PartToolResult
	// PartThinking uses Text and Signature (or Redacted): the model's
	// reasoning, which some dialects require to be echoed back unchanged.
	PartThinking
)

// Part is one piece of a message: text, an image, a tool call, ...
type Part struct {
	Kind      PartKind
	Text      string
	Media     *Media
	Call      *ToolCall
	Result    *ToolResult
	Signature string // PartThinking: the provider's signature of Text
	Redacted  string // PartThinking: encrypted reasoning, when Text is hidden
}

// Media is an image or a file: inline base64 Data with its MediaType, or
// a URL the provider fetches.
type Media struct {
	MediaType string
	Data      string // base64, without a data: prefix
	URL       string
	Name      string // a file name, when the client gave one
	// Path is where the client put it ("messages[1].content[2].image_url.url"),
	// so that a target that cannot take it (a URL, a format) can refuse
	// naming the client's field.
	Path string
}

// ToolCall is a call the model made. ID is kept across dialects so that
// the result can be matched to it.
type ToolCall struct {
	ID    string
	Name  string
	Input json.RawMessage // always a JSON object
}

// ToolResult answers the tool call CallID. Content holds text and image
// parts.
type ToolResult struct {
	CallID  string
	Content []Part
	IsError bool
}

// Tool is a function the model may call.
type Tool struct {
	Name        string
	Description string
	Schema      json.RawMessage // JSON Schema of the input object
}

// ToolMode is how tools must be used.
type ToolMode uint8

const (
	// ToolDefault: the client did not say (the provider's default, "auto").
	ToolDefault ToolMode = iota
	ToolAuto
	ToolNone
	// ToolRequired: at least one tool must be called.
	ToolRequired
	// ToolNamed: the tool called Name must be called.
	ToolNamed
)

// ToolChoice is the tool_choice of a request.
type ToolChoice struct {
	Mode ToolMode
	Name string
}

// JSONFormat asks for a JSON answer. A nil Schema means any JSON object.
type JSONFormat struct {
	Name   string
	Schema json.RawMessage
}

// StopReason is why the model stopped.
type StopReason uint8

const (
	// StopUnknown: the provider did not say.
	StopUnknown StopReason = iota
	// StopEnd: a natural end.
	StopEnd
	// StopSequence: a stop sequence matched.
	StopSequence
	// StopLength: the token cap (or the context window) was reached.
	StopLength
	// StopToolUse: the model called tools.
	StopToolUse
	// StopRefusal: the answer was refused or filtered.
	StopRefusal
	// StopPause: the provider paused a long turn (Anthropic pause_turn).
	StopPause
)

// Usage counts tokens. Input excludes the cached tokens, which are counted
// apart, as Anthropic does; OpenAI's prompt_tokens is their sum.
type Usage struct {
	Input      int // input tokens neither read from nor written to a cache
	CacheRead  int // input tokens read from the prompt cache
	CacheWrite int // input tokens written to the prompt cache
	Output     int // output tokens, reasoning included
	Reasoning  int // the part of Output spent reasoning, when known
}

// Prompt is every input token, cached or not.
func (u Usage) Prompt() int { return u.Input + u.CacheRead + u.CacheWrite }

// Response is a complete, non-streamed answer.
type Response struct {
	ID           string
	Model        string
	Content      []Part // text, tool calls, thinking
	Stop         StopReason
	StopSequence string // the matched sequence, when the provider says
	Usage        Usage
}
