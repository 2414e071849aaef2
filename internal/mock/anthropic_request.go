package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// This file reads and validates Messages request bodies the way Anthropic
// does (wire-formats.md §2): status 400, type invalid_request_error, and
// Anthropic's "path: message" wording where known. Consecutive turns of one
// role are merged, a trailing assistant turn is a prefill, tool_use and
// tool_result blocks must pair up. The conversation is then put the way the
// OpenAI dialect carries it, for the content machinery, so that both
// dialects answer the same conversation alike. Unknown fields are ignored
// (§0). It never panics, whatever the body.

// messagesRequest is what the simulator needs from a Messages request.
type messagesRequest struct {
	// chat is the conversation as the OpenAI dialect would carry it: the
	// system prompt as a system message, tool_use blocks as tool calls,
	// tool_result blocks as tool messages; without the prefill.
	chat   chatRequest
	stream bool
	// answerUpTo is how many of chat.Messages the answer depends on: all
	// of them, except that text after the tool results of the last turn
	// (Claude Code's reminders) does not make them a new question.
	answerUpTo int
	// prefilled reports that the conversation ends with an assistant turn,
	// whose text, prefill, the answer continues.
	prefilled bool
	prefill   string
	input     int // input tokens
}

// turn is one message, or consecutive messages of one role merged.
type turn struct {
	role   string
	at     int // index in messages of its first message
	blocks []block
}

// block is one content block, as far as the simulator cares.
type block struct {
	typ   string
	at    string // its path, "messages.1.content.0", for errors
	text  string // a text block's text, a tool result's text
	id    string // a tool_use's id, a tool_result's tool_use_id
	name  string // a tool_use's name
	input string // a tool_use's input, compact JSON
}

// parseMessagesRequest validates a Messages body; count_tokens bodies
// (countOnly) need no max_tokens.
func parseMessagesRequest(body []byte, countOnly bool) (*messagesRequest, *anthropicError) {
	var o object
	if !json.Valid(body) {
		return nil, badRequest("There was an error parsing the body of your request: it is not valid JSON.")
	}
	if json.Unmarshal(body, &o) != nil || o == nil {
		return nil, badRequest("The request body must be a JSON object.")
	}
	req := &messagesRequest{chat: chatRequest{N: 1}}
	var e *anthropicError
	if req.chat.Model, e = needString(o, "model", "model"); e != nil {
		return nil, e
	}
	if req.chat.Model == "" {
		return nil, badRequest("model: String should have at least 1 character")
	}
	if !countOnly {
		if _, ok := o.get("max_tokens"); !ok {
			return nil, badRequest("max_tokens: Field required")
		}
		if e = checkMessageScalars(o); e != nil {
			return nil, e
		}
		_ = json.Unmarshal(o["stream"], &req.stream)
		_ = wantKind("max_tokens", o["max_tokens"], kindInt, &req.chat.MaxTokens)
	}
	if e = checkThinking(o, req.chat.MaxTokens); e != nil {
		return nil, e
	}
	system, e := parseSystem(o)
	if e != nil {
		return nil, e
	}
	turns, e := parseTurns(o)
	if e != nil {
		return nil, e
	}
	if e = parseMessageTools(o, req); e != nil {
		return nil, e
	}
	if e = parseMessageToolChoice(o, req); e != nil {
		return nil, e
	}
	if e = checkConversation(turns); e != nil {
		return nil, e
	}
	req.converse(system, turns)
	return req, nil
}

var kindPhrase = map[jsonKind]string{
	kindBool: "a valid boolean", kindInt: "a valid integer", kindNumber: "a valid number",
	kindString: "a valid string", kindArray: "a valid list", kindObject: "a valid dictionary",
}

// wantKind decodes raw into v after checking its kind. A number without a
// fractional part is an integer, as Anthropic's validation has it.
func wantKind(path string, raw json.RawMessage, want jsonKind, v any) *anthropicError {
	got := kindOf(raw)
	if want == kindInt && got == kindNumber {
		var f float64
		if json.Unmarshal(raw, &f) == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			raw, got = json.RawMessage(strconv.FormatFloat(f, 'f', -1, 64)), kindInt
		}
	}
	if got != want && !(want == kindNumber && got == kindInt) || json.Unmarshal(raw, v) != nil {
		return badRequest("%s: Input should be %s", path, kindPhrase[want])
	}
	return nil
}

// needString reads a required string member.
func needString(o object, key, path string) (string, *anthropicError) {
	raw, ok := o.get(key)
	if !ok {
		return "", badRequest("%s: Field required", path)
	}
	var s string
	if e := wantKind(path, raw, kindString, &s); e != nil {
		return "", e
	}
	return s, nil
}

var messageScalars = []scalar{
	{"max_tokens", kindInt, 1, math.Inf(1)},
	{"temperature", kindNumber, 0, 1},
	{"top_p", kindNumber, 0, 1},
	{"top_k", kindInt, 0, math.Inf(1)},
	{"stream", kindBool, 0, 0},
	{"metadata", kindObject, 0, 0},
	{"thinking", kindObject, 0, 0},
	{"stop_sequences", kindArray, 0, 0},
}

func checkMessageScalars(o object) *anthropicError {
	for _, r := range messageScalars {
		raw, ok := o.get(r.name)
		if !ok {
			continue
		}
		if r.kind != kindInt && r.kind != kindNumber {
			var v any
			if e := wantKind(r.name, raw, r.kind, &v); e != nil {
				return e
			}
			continue
		}
		var v float64
		if e := wantKind(r.name, raw, r.kind, &v); e != nil {
			return e
		}
		if v < r.min {
			return badRequest("%s: Input should be greater than or equal to %v", r.name, r.min)
		}
		if v > r.max {
			return badRequest("%s: Input should be less than or equal to %v", r.name, r.max)
		}
	}
	var stops []json.RawMessage
	_ = json.Unmarshal(o["stop_sequences"], &stops)
	for i, s := range stops {
		var v string
		if e := wantKind("stop_sequences."+itoa(i), s, kindString, &v); e != nil {
			return e
		}
	}
	return nil
}

// checkThinking checks the thinking setting: enabled (with a budget of at
// least 1024 tokens, below max_tokens), disabled, adaptive (which Claude
// Code sends) or between_tools. The simulator does not think either way.
func checkThinking(o object, maxTokens int) *anthropicError {
	raw, ok := o.get("thinking")
	if !ok {
		return nil
	}
	var t object
	if e := wantKind("thinking", raw, kindObject, &t); e != nil {
		return e
	}
	typ, e := needString(t, "type", "thinking.type")
	if e != nil {
		return e
	}
	switch typ {
	case "disabled", "adaptive", "between_tools":
		return nil
	case "enabled":
	default:
		return badRequest("thinking.type: Input tag '%s' found using 'type' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive', 'between_tools'", typ)
	}
	braw, ok := t.get("budget_tokens")
	if !ok {
		return badRequest("thinking.enabled.budget_tokens: Field required")
	}
	var budget int
	if e := wantKind("thinking.enabled.budget_tokens", braw, kindInt, &budget); e != nil {
		return e
	}
	if budget < 1024 {
		return badRequest("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
	}
	if maxTokens > 0 && budget >= maxTokens {
		return badRequest("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size")
	}
	return nil
}

// parseSystem reads the system prompt: a string or a list of text blocks,
// whose texts are joined as the OpenAI side joins text parts.
func parseSystem(o object) (string, *anthropicError) {
	raw, ok := o.get("system")
	if !ok {
		return "", nil
	}
	var s string
	if kindOf(raw) == kindString {
		_ = json.Unmarshal(raw, &s)
		return s, nil
	}
	var list []json.RawMessage
	if kindOf(raw) != kindArray || json.Unmarshal(raw, &list) != nil {
		return "", badRequest("system: Input should be a valid string or a list of text blocks")
	}
	var sb strings.Builder
	for i, item := range list {
		b, e := parseBlock("system."+itoa(i), "system", item)
		if e != nil {
			return "", e
		}
		if b.typ != "text" {
			return "", badRequest("system.%d.type: Input should be 'text'", i)
		}
		sb.WriteString(b.text)
	}
	return sb.String(), nil
}

// parseTurns reads the required, non-empty messages and merges
// consecutive messages of one role into one turn, as Anthropic does.
func parseTurns(o object) ([]turn, *anthropicError) {
	raw, ok := o.get("messages")
	if !ok {
		return nil, badRequest("messages: Field required")
	}
	var list []json.RawMessage
	if e := wantKind("messages", raw, kindArray, &list); e != nil {
		return nil, e
	}
	if len(list) == 0 {
		return nil, badRequest("messages: at least one message is required")
	}
	var turns []turn
	for i, item := range list {
		t, e := parseTurn(i, item)
		if e != nil {
			return nil, e
		}
		if len(t.blocks) == 0 && !(t.role == "assistant" && i == len(list)-1) {
			return nil, badRequest("messages.%d: all messages must have non-empty content except for the optional final assistant message", i)
		}
		if n := len(turns); n > 0 && turns[n-1].role == t.role {
			turns[n-1].blocks = append(turns[n-1].blocks, t.blocks...)
			continue
		}
		turns = append(turns, t)
	}
	return turns, nil
}

func parseTurn(i int, raw json.RawMessage) (turn, *anthropicError) {
	path := "messages." + itoa(i)
	var o object
	if e := wantKind(path, raw, kindObject, &o); e != nil {
		return turn{}, e
	}
	role, e := needString(o, "role", path+".role")
	if e != nil {
		return turn{}, e
	}
	// Claude Code puts a system message inside messages (wire-formats.md
	// §6), and Anthropic takes it.
	if role != "user" && role != "assistant" && role != "system" {
		return turn{}, badRequest("%s.role: Input should be 'user' or 'assistant'", path)
	}
	t := turn{role: role, at: i}
	craw, ok := o.get("content")
	if !ok {
		return t, badRequest("%s.content: Field required", path)
	}
	if kindOf(craw) == kindString {
		var s string
		_ = json.Unmarshal(craw, &s)
		if s == "" {
			return t, nil
		}
		t.blocks = []block{{typ: "text", at: path + ".content", text: s}}
		return t, checkText(s)
	}
	var parts []json.RawMessage
	if kindOf(craw) != kindArray || json.Unmarshal(craw, &parts) != nil {
		return t, badRequest("%s.content: Input should be a valid string or a list of content blocks", path)
	}
	for j, part := range parts {
		b, e := parseBlock(fmt.Sprintf("%s.content.%d", path, j), role, part)
		if e != nil {
			return t, e
		}
		t.blocks = append(t.blocks, b)
	}
	return t, nil
}

func checkText(s string) *anthropicError {
	switch {
	case s == "":
		return badRequest("messages: text content blocks must be non-empty")
	case strings.TrimSpace(s) == "":
		return badRequest("messages: text content blocks must contain non-whitespace text")
	}
	return nil
}

// otherBlocks are block types Anthropic takes that the simulator only
// passes over: server tools' calls and results, search results, uploads.
var otherBlocks = []string{
	"search_result", "server_tool_use", "web_search_tool_result", "web_fetch_tool_result",
	"code_execution_tool_result", "bash_code_execution_tool_result",
	"text_editor_code_execution_tool_result", "tool_search_tool_result", "mcp_tool_use", "mcp_tool_result",
	"container_upload", "tool_reference", "browser_state",
}

// resultBlocks are the block types a tool result's content may hold.
var resultBlocks = []string{"text", "image", "document", "search_result", "tool_reference", "browser_state"}

// parseBlock reads one content block of a message from role.
func parseBlock(path, role string, raw json.RawMessage) (block, *anthropicError) {
	var o object
	if e := wantKind(path, raw, kindObject, &o); e != nil {
		return block{}, e
	}
	typ, e := needString(o, "type", path+".type")
	if e != nil {
		return block{}, e
	}
	b := block{typ: typ, at: path}
	switch typ {
	case "text":
		if b.text, e = needString(o, "text", path+".text"); e == nil {
			e = checkText(b.text)
		}
	case "image", "document":
		e = checkSource(o, path)
	case "tool_use":
		e = parseToolUse(o, role, &b)
	case "tool_result":
		e = parseToolResult(o, role, &b)
	case "thinking", "redacted_thinking":
		field := map[string]string{"thinking": "signature", "redacted_thinking": "data"}[typ]
		if e = onlyIn(role, "assistant", &b); e == nil {
			_, e = needString(o, field, path+"."+field)
		}
	default:
		if !slices.Contains(otherBlocks, typ) {
			e = badRequest("%s: Input tag '%s' found using 'type' does not match any of the expected tags: "+
				"'text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking', '%s'",
				path+".type", typ, strings.Join(otherBlocks, "', '"))
		}
	}
	return b, e
}

func onlyIn(role, want string, b *block) *anthropicError {
	if role != want {
		return badRequest("%s: %s blocks can only be in %s messages", b.at, b.typ, want)
	}
	return nil
}

// checkSource checks an image's or a document's source.
func checkSource(o object, path string) *anthropicError {
	raw, ok := o.get("source")
	if !ok {
		return badRequest("%s.source: Field required", path)
	}
	var src object
	if e := wantKind(path+".source", raw, kindObject, &src); e != nil {
		return e
	}
	typ, e := needString(src, "type", path+".source.type")
	if e != nil {
		return e
	}
	need := map[string][]string{"base64": {"media_type", "data"}, "url": {"url"}, "file": {"file_id"}, "text": {"data"}}[typ]
	if need == nil && typ != "content" {
		return badRequest("%s.source.type: Input tag '%s' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file', 'text', 'content'", path, typ)
	}
	for _, k := range need {
		if _, e := needString(src, k, path+".source."+k); e != nil {
			return e
		}
	}
	return nil
}

func parseToolUse(o object, role string, b *block) *anthropicError {
	e := onlyIn(role, "assistant", b)
	if e == nil {
		b.id, e = needString(o, "id", b.at+".id")
	}
	if e == nil {
		b.name, e = needString(o, "name", b.at+".name")
	}
	if e != nil {
		return e
	}
	raw, ok := o.get("input")
	if !ok {
		return badRequest("%s.input: Field required", b.at)
	}
	var in object
	if e := wantKind(b.at+".input", raw, kindObject, &in); e != nil {
		return e
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, raw)
	b.input = compact.String()
	return nil
}

// parseToolResult reads a tool result; its content is a string or a list
// of text, image, document and search_result blocks, whose texts are
// joined.
func parseToolResult(o object, role string, b *block) *anthropicError {
	e := onlyIn(role, "user", b)
	if e == nil {
		b.id, e = needString(o, "tool_use_id", b.at+".tool_use_id")
	}
	if e != nil {
		return e
	}
	if raw, ok := o.get("is_error"); ok {
		var v bool
		if e := wantKind(b.at+".is_error", raw, kindBool, &v); e != nil {
			return e
		}
	}
	raw, ok := o.get("content")
	if !ok {
		return nil
	}
	if kindOf(raw) == kindString {
		_ = json.Unmarshal(raw, &b.text)
		return nil
	}
	var parts []json.RawMessage
	if kindOf(raw) != kindArray || json.Unmarshal(raw, &parts) != nil {
		return badRequest("%s.content: Input should be a valid string or a list of content blocks", b.at)
	}
	var sb strings.Builder
	for j, part := range parts {
		inner, e := parseBlock(fmt.Sprintf("%s.content.%d", b.at, j), "tool_result", part)
		if e != nil {
			return e
		}
		if !slices.Contains(resultBlocks, inner.typ) {
			return badRequest("%s.content.%d.type: Input tag '%s' found using 'type' does not match any of the expected tags: '%s'",
				b.at, j, inner.typ, strings.Join(resultBlocks, "', '"))
		}
		sb.WriteString(inner.text)
	}
	b.text = sb.String()
	return nil
}

var anthropicToolName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)

// parseMessageTools reads the tools. Custom tools (no type, or "custom")
// need a name and an object input_schema and are what the simulator calls;
// server tools (bash_20250124, web_search_…) need only a name and are
// never called.
func parseMessageTools(o object, req *messagesRequest) *anthropicError {
	raw, ok := o.get("tools")
	if !ok {
		return nil
	}
	var list []json.RawMessage
	if e := wantKind("tools", raw, kindArray, &list); e != nil {
		return e
	}
	seen := map[string]bool{}
	for i, item := range list {
		path := "tools." + itoa(i)
		var t object
		if e := wantKind(path, item, kindObject, &t); e != nil {
			return e
		}
		name, e := needString(t, "name", path+".name")
		if e != nil {
			return e
		}
		if seen[name] {
			return badRequest("tools: Tool names must be unique.")
		}
		seen[name] = true
		var typ string
		if traw, ok := t.get("type"); ok {
			if e := wantKind(path+".type", traw, kindString, &typ); e != nil {
				return e
			}
		}
		if typ != "" && typ != "custom" {
			continue
		}
		if !anthropicToolName.MatchString(name) {
			return badRequest("%s.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'", path)
		}
		sraw, ok := t.get("input_schema")
		if !ok {
			return badRequest("%s.input_schema: Field required", path)
		}
		var schema object
		if e := wantKind(path+".input_schema", sraw, kindObject, &schema); e != nil {
			return e
		}
		if st, _ := schema.get("type"); string(st) != `"object"` {
			return badRequest("%s.input_schema.type: Input should be 'object'", path)
		}
		req.chat.Tools = append(req.chat.Tools, tool{Name: name, Parameters: sraw})
	}
	return nil
}

// parseMessageToolChoice maps tool_choice to the OpenAI side's: auto,
// any (required), none, or one tool by name.
func parseMessageToolChoice(o object, req *messagesRequest) *anthropicError {
	raw, ok := o.get("tool_choice")
	if !ok {
		return nil
	}
	var tc object
	if e := wantKind("tool_choice", raw, kindObject, &tc); e != nil {
		return e
	}
	typ, e := needString(tc, "type", "tool_choice.type")
	if e != nil {
		return e
	}
	if raw, ok := tc.get("disable_parallel_tool_use"); ok {
		var v bool
		if e := wantKind("tool_choice.disable_parallel_tool_use", raw, kindBool, &v); e != nil {
			return e
		}
	}
	switch typ {
	case "auto", "none":
		req.chat.ToolChoice = typ
	case "any":
		req.chat.ToolChoice = "required"
	case "tool":
		name, e := needString(tc, "name", "tool_choice.name")
		if e != nil {
			return e
		}
		req.chat.ToolChoice, req.chat.ForcedTool = "function", name
	default:
		return badRequest("tool_choice.type: Input tag '%s' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'", typ)
	}
	return nil
}

// checkConversation checks what Anthropic checks across turns: every
// tool_use is answered by a tool_result at the start of the next turn, no
// tool_result answers a tool_use that the turn before did not make, and a
// prefill does not end with whitespace.
func checkConversation(turns []turn) *anthropicError {
	var asked []string // the tool_use ids of the turn before
	for _, t := range turns {
		if e := checkResults(t, asked); e != nil {
			return e
		}
		asked = nil
		for _, b := range t.blocks {
			if b.typ == "tool_use" {
				asked = append(asked, b.id)
			}
		}
	}
	last := turns[len(turns)-1]
	if len(asked) > 0 {
		return errUnanswered(last.at+1, asked)
	}
	if text := joinText(last.blocks); last.role == "assistant" && text != strings.TrimRightFunc(text, unicode.IsSpace) {
		return badRequest("messages: final assistant content cannot end with trailing whitespace")
	}
	return nil
}

// checkResults checks a turn's tool_result blocks against the tool_use ids
// of the turn before.
func checkResults(t turn, asked []string) *anthropicError {
	answered := map[string]bool{}
	leading := true
	for _, b := range t.blocks {
		if b.typ != "tool_result" {
			leading = false
			continue
		}
		if !slices.Contains(asked, b.id) {
			return badRequest("%s: unexpected `tool_use_id` found in `tool_result` blocks: %s. "+
				"Each `tool_result` block must have a corresponding `tool_use` block in the previous message.", b.at, b.id)
		}
		if !leading {
			return badRequest("%s: `tool_result` blocks must come first in the message that follows `tool_use` blocks, before any other content.", b.at)
		}
		answered[b.id] = true
	}
	var missing []string
	for _, id := range asked {
		if !answered[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return errUnanswered(t.at, missing)
	}
	return nil
}

func errUnanswered(at int, ids []string) *anthropicError {
	return badRequest("messages.%d: `tool_use` ids were found without `tool_result` blocks immediately after: %s. "+
		"Each `tool_use` block must have a corresponding `tool_result` block in the next message.", at, strings.Join(ids, ", "))
}

func joinText(blocks []block) string {
	var sb strings.Builder
	for _, b := range blocks {
		if b.typ == "text" {
			sb.WriteString(b.text)
		}
	}
	return sb.String()
}

// converse puts the conversation the way the OpenAI dialect carries it.
func (req *messagesRequest) converse(system string, turns []turn) {
	var msgs []message
	if system != "" {
		msgs = append(msgs, message{Role: "system", Text: system})
	}
	if last := turns[len(turns)-1]; last.role == "assistant" {
		req.prefilled, req.prefill = true, joinText(last.blocks)
		turns = turns[:len(turns)-1]
	}
	for _, t := range turns {
		msgs = append(msgs, chatMessages(t)...)
	}
	req.chat.Messages = msgs
	req.answerUpTo = len(msgs)
	if n := len(msgs); n > 1 && msgs[n-1].Role == "user" && msgs[n-2].Role == "tool" {
		req.answerUpTo-- // text after the last turn's tool results
	}
	all := slices.Clip(msgs)
	if req.prefilled {
		all = append(all, message{Role: "assistant", Text: req.prefill})
	}
	req.input = promptTokens(all)
}

// chatMessages is one turn as OpenAI messages: tool results become tool
// messages, and come first; the rest is one message of the turn's role,
// its texts joined, its tool_use blocks as tool calls. Thinking blocks are
// left out.
func chatMessages(t turn) []message {
	var out []message
	var text strings.Builder
	var calls []toolCall
	rest := false // the turn has more than tool results
	for _, b := range t.blocks {
		switch b.typ {
		case "tool_result":
			out = append(out, message{Role: "tool", ToolCallID: b.id, Text: b.text})
		case "tool_use":
			calls = append(calls, toolCall{ID: b.id, Name: b.name, Arguments: b.input})
			rest = true
		case "thinking", "redacted_thinking":
		default: // text, and blocks without text such as images
			text.WriteString(b.text)
			rest = true
		}
	}
	if !rest {
		return out
	}
	return append(out, message{Role: t.role, Text: text.String(), ToolCalls: calls})
}
