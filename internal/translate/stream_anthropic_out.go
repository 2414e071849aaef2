package translate

// anthropicEncoder writes an Anthropic stream: message_start, content
// blocks one after the other, message_delta, message_stop. The
// message_delta waits for the usage, which OpenAI sends after the finish
// reason, or for the end.
type anthropicEncoder struct {
	started bool
	done    bool // message_stop or an error was written
	id      string
	next    int         // index of the next block
	open    int         // index of the open block, or -1 when none is
	openKey int         // decoder key of the open block
	openTxt bool        // the open block is text
	openArg bool        // arguments were written for the open tool call
	tools   map[int]int // decoder key → block index of tool calls
	usage   Usage
	stop    StopReason
	stopSeq string
	held    bool // a finish came; message_delta is not written yet
	sent    bool // message_delta was written
}

func (e *anthropicEncoder) encode(out []byte, ev *event) []byte {
	if e.done {
		return out
	}
	switch ev.kind {
	case evStart:
		return e.start(out, ev.id, ev.model, ev.usage)
	case evText:
		return e.text(e.start(out, "", "", Usage{}), ev)
	case evToolStart:
		return e.toolStart(e.start(out, "", "", Usage{}), ev.block, ev.id, ev.name)
	case evToolArgs:
		return e.toolArgs(e.start(out, "", "", Usage{}), ev)
	case evBlockStop:
		if e.open >= 0 && e.openKey == ev.block {
			out = e.closeBlock(out)
		}
	case evFinish:
		out = e.closeBlock(e.start(out, "", "", Usage{}))
		e.stop, e.stopSeq, e.held = ev.stop, ev.stopSequence, true
	case evUsage:
		e.usage = ev.usage
		if e.held {
			out = e.messageDelta(out)
		}
	case evEnd:
		out = e.closeBlock(e.start(out, "", "", Usage{}))
		out = e.messageDelta(out)
		e.done = true
		return append(out, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"...)
	case evError:
		e.done = true
		return append(out, anthropicStreamError(ev.err)...)
	}
	return out // thinking cannot be signed, so it is not passed on
}

// start writes message_start once.
func (e *anthropicEncoder) start(out []byte, id, model string, u Usage) []byte {
	if e.started {
		return out
	}
	e.started, e.open = true, -1
	if id == "" {
		id = "msg_" + newID()
	}
	e.id = id
	out = append(out, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":"...)
	out = appendString(out, id)
	out = append(out, `,"type":"message","role":"assistant","model":`...)
	out = appendString(out, model)
	out = append(out, `,"content":[],"stop_reason":null,"stop_sequence":null,"usage":`...)
	out = appendUsage(out, u)
	return append(out, "}}\n\n"...)
}

func appendUsage(out []byte, u Usage) []byte {
	out = append(out, `{"input_tokens":`...)
	out = appendInt(out, u.Input)
	out = append(out, `,"cache_creation_input_tokens":`...)
	out = appendInt(out, u.CacheWrite)
	out = append(out, `,"cache_read_input_tokens":`...)
	out = appendInt(out, u.CacheRead)
	out = append(out, `,"output_tokens":`...)
	out = appendInt(out, u.Output)
	return append(out, '}')
}

// text writes a text delta, opening a text block first unless the open
// block is this text.
func (e *anthropicEncoder) text(out []byte, ev *event) []byte {
	if ev.text == "" {
		return out
	}
	if e.open < 0 || !e.openTxt || e.openKey != ev.block {
		out = e.closeBlock(out)
		out = e.blockStart(out, ev.block, true)
		out = append(out, `{"type":"text","text":""}}`+"\n\n"...)
	}
	out = e.deltaStart(out, e.open)
	out = append(out, `{"type":"text_delta","text":`...)
	out = appendString(out, ev.text)
	return append(out, "}}\n\n"...)
}

func (e *anthropicEncoder) toolStart(out []byte, key int, id, name string) []byte {
	if _, ok := e.tools[key]; ok {
		return out
	}
	if e.tools == nil {
		e.tools = make(map[int]int)
	}
	out = e.closeBlock(out)
	e.tools[key] = e.next
	out = e.blockStart(out, key, false)
	if id == "" {
		id = syntheticToolID(e.id, key)
	}
	out = append(out, `{"type":"tool_use","id":`...)
	out = appendString(out, sanitizeID(id))
	out = append(out, `,"name":`...)
	out = appendString(out, name)
	return append(out, `,"input":{}}}`+"\n\n"...)
}

// toolArgs writes an arguments fragment at its tool call's block. A
// fragment for a call never started starts it, without a name.
func (e *anthropicEncoder) toolArgs(out []byte, ev *event) []byte {
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
	out = append(out, `{"type":"input_json_delta","partial_json":`...)
	out = appendString(out, ev.text)
	return append(out, "}}\n\n"...)
}

// blockStart writes content_block_start up to its content_block value,
// and makes the new block the open one.
func (e *anthropicEncoder) blockStart(out []byte, key int, text bool) []byte {
	e.open, e.openKey, e.openTxt, e.openArg = e.next, key, text, false
	e.next++
	out = append(out, "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":"...)
	out = appendInt(out, e.open)
	return append(out, `,"content_block":`...)
}

func (e *anthropicEncoder) deltaStart(out []byte, index int) []byte {
	out = append(out, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":"...)
	out = appendInt(out, index)
	return append(out, `,"delta":`...)
}

// closeBlock ends the open block. A tool call that got no arguments gets
// {}, so that every client reads an object.
func (e *anthropicEncoder) closeBlock(out []byte) []byte {
	if e.open < 0 {
		return out
	}
	if !e.openTxt && !e.openArg {
		out = e.deltaStart(out, e.open)
		out = append(out, `{"type":"input_json_delta","partial_json":"{}"}}`+"\n\n"...)
	}
	out = append(out, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":"...)
	out = appendInt(out, e.open)
	e.open = -1
	return append(out, "}\n\n"...)
}

// messageDelta writes message_delta once, with the stop reason and the
// usage totals. A provider that gave no reason ended its turn, or called
// tools if it did.
func (e *anthropicEncoder) messageDelta(out []byte) []byte {
	if e.sent {
		return out
	}
	e.sent = true
	if e.stop == StopUnknown && len(e.tools) > 0 {
		e.stop = StopToolUse
	}
	out = append(out, "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"...)
	out = appendString(out, anthropicStop(e.stop))
	out = append(out, `,"stop_sequence":`...)
	if e.stopSeq != "" {
		out = appendString(out, e.stopSeq)
	} else {
		out = append(out, "null"...)
	}
	out = append(out, `},"usage":`...)
	out = appendUsage(out, e.usage)
	return append(out, "}\n\n"...)
}
