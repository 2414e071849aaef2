package translate

// converseEncoder writes a ConverseStream in the SSE framing of
// internal/bedrock: each event named as its ":event-type", its payload as
// data. Order: messageStart, content blocks one after the other (text
// blocks without a contentBlockStart, as Bedrock sends them), messageStop,
// metadata with the usage. Thinking is dropped, as it cannot be signed.
type converseEncoder struct {
	started bool
	stopped bool // messageStop was written
	done    bool // metadata or an exception was written
	next    int  // index of the next block
	open    int  // index of the open block, or -1
	openKey int  // decoder key of the open block
	openTxt bool
	openArg bool        // input was written for the open tool block
	tools   map[int]int // decoder key → block index of tool calls
	usage   Usage
}

func (e *converseEncoder) encode(out []byte, ev *event) []byte {
	if e.done {
		return out
	}
	switch ev.kind {
	case evStart:
		return e.start(out)
	case evText:
		return e.text(e.start(out), ev)
	case evToolStart:
		return e.toolStart(e.start(out), ev.block, ev.id, ev.name)
	case evToolArgs:
		return e.toolArgs(e.start(out), ev)
	case evBlockStop:
		if e.open >= 0 && e.openKey == ev.block {
			out = e.closeBlock(out)
		}
	case evFinish:
		out = e.closeBlock(e.start(out))
		return e.messageStop(out, ev.stop, ev.stopSequence)
	case evUsage:
		e.usage = ev.usage
	case evEnd:
		out = e.closeBlock(e.start(out))
		out = e.messageStop(out, StopUnknown, "")
		e.done = true
		u := converseUsage(e.usage)
		out = append(out, "event: metadata\ndata: {\"usage\":{\"inputTokens\":"...)
		out = appendInt(out, u.InputTokens)
		out = append(out, `,"outputTokens":`...)
		out = appendInt(out, u.OutputTokens)
		out = append(out, `,"totalTokens":`...)
		out = appendInt(out, u.TotalTokens)
		if u.CacheReadInputTokens > 0 {
			out = append(out, `,"cacheReadInputTokens":`...)
			out = appendInt(out, u.CacheReadInputTokens)
		}
		if u.CacheWriteInputTokens > 0 {
			out = append(out, `,"cacheWriteInputTokens":`...)
			out = appendInt(out, u.CacheWriteInputTokens)
		}
		return append(out, `},"metrics":{"latencyMs":0}}`+"\n\n"...)
	case evError:
		e.done = true
		return append(out, converseStreamError(ev.err)...)
	}
	return out
}

func (e *converseEncoder) start(out []byte) []byte {
	if e.started {
		return out
	}
	e.started, e.open = true, -1
	return append(out, "event: messageStart\ndata: {\"role\":\"assistant\"}\n\n"...)
}

func (e *converseEncoder) text(out []byte, ev *event) []byte {
	if ev.text == "" {
		return out
	}
	if e.open < 0 || !e.openTxt || e.openKey != ev.block {
		out = e.closeBlock(out)
		e.open, e.openKey, e.openTxt, e.openArg = e.next, ev.block, true, false
		e.next++
	}
	out = e.deltaStart(out, e.open)
	out = append(out, `{"text":`...)
	out = appendString(out, ev.text)
	return append(out, "}}\n\n"...)
}

func (e *converseEncoder) toolStart(out []byte, key int, id, name string) []byte {
	if _, ok := e.tools[key]; ok {
		return out
	}
	if e.tools == nil {
		e.tools = make(map[int]int)
	}
	out = e.closeBlock(out)
	e.tools[key] = e.next
	e.open, e.openKey, e.openTxt, e.openArg = e.next, key, false, false
	e.next++
	if id == "" {
		id = syntheticToolID("bedrock", key)
	}
	out = append(out, "event: contentBlockStart\ndata: {\"start\":{\"toolUse\":{\"toolUseId\":"...)
	out = appendString(out, sanitizeID(id))
	out = append(out, `,"name":`...)
	out = appendString(out, name)
	out = append(out, `}},"contentBlockIndex":`...)
	out = appendInt(out, e.open)
	return append(out, "}\n\n"...)
}

// toolArgs writes an input fragment at its tool's block. A fragment for a
// call never started starts it, without a name.
func (e *converseEncoder) toolArgs(out []byte, ev *event) []byte {
	if ev.text == "" {
		return out
	}
	idx, ok := e.tools[ev.block]
	if !ok {
		out = e.toolStart(out, ev.block, "", "")
		idx = e.tools[ev.block]
	}
	if idx == e.open {
		e.openArg = true
	}
	out = e.deltaStart(out, idx)
	out = append(out, `{"toolUse":{"input":`...)
	out = appendString(out, ev.text)
	return append(out, "}}}\n\n"...)
}

func (e *converseEncoder) deltaStart(out []byte, index int) []byte {
	out = append(out, "event: contentBlockDelta\ndata: {\"contentBlockIndex\":"...)
	out = appendInt(out, index)
	return append(out, `,"delta":`...)
}

// closeBlock ends the open block. A tool call that got no input gets {},
// so that every client reads an object.
func (e *converseEncoder) closeBlock(out []byte) []byte {
	if e.open < 0 {
		return out
	}
	if !e.openTxt && !e.openArg {
		out = e.deltaStart(out, e.open)
		out = append(out, `{"toolUse":{"input":"{}"}}}`+"\n\n"...)
	}
	out = append(out, "event: contentBlockStop\ndata: {\"contentBlockIndex\":"...)
	out = appendInt(out, e.open)
	e.open = -1
	return append(out, "}\n\n"...)
}

// messageStop writes messageStop once. A provider that gave no reason
// ended its turn, or called tools if it did. The matched stop sequence
// goes where Anthropic models on Bedrock put it.
func (e *converseEncoder) messageStop(out []byte, stop StopReason, seq string) []byte {
	if e.stopped {
		return out
	}
	e.stopped = true
	if stop == StopUnknown && len(e.tools) > 0 {
		stop = StopToolUse
	}
	out = append(out, "event: messageStop\ndata: {\"stopReason\":"...)
	out = appendString(out, converseStop(stop))
	if seq != "" {
		out = append(out, `,"additionalModelResponseFields":{"stop_sequence":`...)
		out = appendString(out, seq)
		out = append(out, '}')
	}
	return append(out, "}\n\n"...)
}
