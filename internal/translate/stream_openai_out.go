package translate

// openAIEncoder writes an OpenAI stream: a role chunk, content and tool
// call chunks, one finish chunk, a usage chunk when asked, [DONE]. Every
// chunk carries the same id, as SDKs drop chunks whose id changes.
type openAIEncoder struct {
	includeUsage bool
	started      bool
	finished     bool // the finish chunk was written
	done         bool // [DONE] or an error was written
	prefix       []byte
	tools        map[int]int // decoder block key → OpenAI tool call index
	usage        Usage
}

func (e *openAIEncoder) encode(out []byte, ev *event) []byte {
	if e.done {
		return out
	}
	switch ev.kind {
	case evStart:
		return e.start(out, ev.id, ev.model)
	case evText:
		out = e.start(out, "", "")
		if ev.text == "" {
			return out
		}
		out = e.openChunk(out)
		out = append(out, `{"content":`...)
		out = appendString(out, ev.text)
		return e.closeChunk(append(out, '}'))
	case evToolStart:
		return e.toolStart(e.start(out, "", ""), ev)
	case evToolArgs:
		return e.toolArgs(out, ev)
	case evFinish:
		return e.finish(e.start(out, "", ""), ev.stop)
	case evUsage:
		e.usage = ev.usage
	case evEnd:
		out = e.finish(e.start(out, "", ""), StopEnd)
		if e.includeUsage {
			out = e.usageChunk(out)
		}
		e.done = true
		return append(out, "data: [DONE]\n\n"...)
	case evError:
		e.done = true
		return append(out, openAIStreamError(ev.err)...)
	}
	return out // thinking and block stops have no OpenAI form
}

// start writes the role chunk once, fixing the chunks' id and model. An
// answer whose first event is not a start gets an id of its own.
func (e *openAIEncoder) start(out []byte, id, model string) []byte {
	if e.started {
		return out
	}
	e.started = true
	if id == "" {
		id = "chatcmpl-" + newID()
	}
	p := append([]byte(nil), `{"id":`...)
	p = appendString(p, id)
	p = append(p, `,"object":"chat.completion.chunk","created":`...)
	p = appendInt(p, int(now().Unix()))
	p = append(p, `,"model":`...)
	p = appendString(p, model)
	e.prefix = append(p, `,"choices":`...)
	out = e.openChunk(out)
	return e.closeChunk(append(out, `{"role":"assistant","content":""}`...))
}

// openChunk writes a chunk up to its delta; closeChunk ends it.
func (e *openAIEncoder) openChunk(out []byte) []byte {
	out = append(out, "data: "...)
	out = append(out, e.prefix...)
	return append(out, `[{"index":0,"delta":`...)
}

func (e *openAIEncoder) closeChunk(out []byte) []byte {
	return append(out, `,"finish_reason":null}]}`+"\n\n"...)
}

func (e *openAIEncoder) toolStart(out []byte, ev *event) []byte {
	if e.tools == nil {
		e.tools = make(map[int]int)
	}
	if _, ok := e.tools[ev.block]; ok {
		return out
	}
	idx := len(e.tools)
	e.tools[ev.block] = idx
	out = e.openChunk(out)
	out = append(out, `{"tool_calls":[{"index":`...)
	out = appendInt(out, idx)
	out = append(out, `,"id":`...)
	out = appendString(out, ev.id)
	out = append(out, `,"type":"function","function":{"name":`...)
	out = appendString(out, ev.name)
	out = append(out, `,"arguments":""}}]}`...)
	return e.closeChunk(out)
}

// toolArgs writes an arguments fragment of a started tool call; fragments
// of a call never started have no index to go to and are dropped (an
// Anthropic decoder never sends them).
func (e *openAIEncoder) toolArgs(out []byte, ev *event) []byte {
	idx, ok := e.tools[ev.block]
	if !ok || ev.text == "" {
		return out
	}
	out = e.openChunk(out)
	out = append(out, `{"tool_calls":[{"index":`...)
	out = appendInt(out, idx)
	out = append(out, `,"function":{"arguments":`...)
	out = appendString(out, ev.text)
	out = append(out, `}}]}`...)
	return e.closeChunk(out)
}

// finish writes the finish chunk once: an empty delta and the reason.
func (e *openAIEncoder) finish(out []byte, stop StopReason) []byte {
	if e.finished {
		return out
	}
	e.finished = true
	out = append(out, "data: "...)
	out = append(out, e.prefix...)
	out = append(out, `[{"index":0,"delta":{},"finish_reason":`...)
	out = appendString(out, openAIFinish(stop))
	return append(out, "}]}\n\n"...)
}

// usageChunk writes the usage chunk: no choices, the last usage totals.
func (e *openAIEncoder) usageChunk(out []byte) []byte {
	u := e.usage
	out = append(out, "data: "...)
	out = append(out, e.prefix...)
	out = append(out, `[],"usage":{"prompt_tokens":`...)
	out = appendInt(out, u.Prompt())
	out = append(out, `,"completion_tokens":`...)
	out = appendInt(out, u.Output)
	out = append(out, `,"total_tokens":`...)
	out = appendInt(out, u.Prompt()+u.Output)
	out = append(out, `,"prompt_tokens_details":{"cached_tokens":`...)
	out = appendInt(out, u.CacheRead)
	out = append(out, '}')
	if u.Reasoning > 0 {
		out = append(out, `,"completion_tokens_details":{"reasoning_tokens":`...)
		out = appendInt(out, u.Reasoning)
		out = append(out, '}')
	}
	return append(out, "}}\n\n"...)
}
