package translate

import (
	"bytes"
	"encoding/json"
)

// anStreamEvent is one Anthropic stream event, any type.
type anStreamEvent struct {
	Type    string `json:"type"`
	Message *struct {
		ID    string   `json:"id"`
		Model string   `json:"model"`
		Usage *anUsage `json:"usage"`
	} `json:"message"`
	Index        int        `json:"index"`
	ContentBlock *anBlockIn `json:"content_block"`
	Delta        *struct {
		Type         string  `json:"type"`
		Text         string  `json:"text"`
		PartialJSON  string  `json:"partial_json"`
		Thinking     string  `json:"thinking"`
		StopReason   string  `json:"stop_reason"`
		StopSequence *string `json:"stop_sequence"`
	} `json:"delta"`
	Usage *anUsage        `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// blockKind is what an Anthropic content block holds, as far as
// translation cares.
type blockKind uint8

const (
	blockOther blockKind = iota // server tools, citations...: skipped
	blockText
	blockTool
	blockThinking
)

type anBlockState struct {
	kind    blockKind
	sent    bool   // some arguments were sent for this tool call
	initial string // a tool call's input from content_block_start, when not {}
}

// anthropicDecoder reads an Anthropic stream. It keeps the usage of
// message_start and replaces fields with those of each message_delta,
// which are cumulative.
type anthropicDecoder struct {
	blocks map[int]*anBlockState
	usage  Usage
	ended  bool // message_stop or error seen
}

func (d *anthropicDecoder) decode(evs []event, name, data []byte) ([]event, error) {
	if d.ended || len(bytes.TrimSpace(data)) == 0 || string(name) == "ping" {
		return evs, nil // keep-alives are the most frequent event with nothing to say
	}
	var in anStreamEvent
	if err := json.Unmarshal(data, &in); err != nil {
		return evs, malformed("Anthropic stream event", err)
	}
	typ := in.Type
	if typ == "" {
		typ = string(name)
	}
	switch typ {
	case "message_start":
		if in.Message == nil {
			return evs, nil
		}
		d.usage = in.Message.Usage.apply(Usage{})
		return append(evs, event{kind: evStart, id: in.Message.ID, model: in.Message.Model, usage: d.usage}), nil
	case "content_block_start":
		return d.blockStart(evs, &in), nil
	case "content_block_delta":
		return d.blockDelta(evs, &in), nil
	case "content_block_stop":
		return d.blockStop(evs, in.Index), nil
	case "message_delta":
		return d.messageDelta(evs, &in), nil
	case "message_stop":
		d.ended = true
		return append(evs, event{kind: evEnd}), nil
	case "error":
		d.ended = true
		e := decodeAnthropicError(0, data)
		return append(evs, event{kind: evError, err: e}), nil
	}
	return evs, nil // ping and unknown events
}

func (d *anthropicDecoder) blockStart(evs []event, in *anStreamEvent) []event {
	if in.ContentBlock == nil {
		return evs
	}
	if d.blocks == nil {
		d.blocks = make(map[int]*anBlockState)
	}
	b := in.ContentBlock
	st := &anBlockState{}
	d.blocks[in.Index] = st
	switch b.Type {
	case "text":
		st.kind = blockText
		if b.Text != "" {
			evs = append(evs, event{kind: evText, block: in.Index, text: b.Text})
		}
	case "tool_use":
		st.kind = blockTool
		if input := objectOrEmpty(b.Input); string(input) != "{}" {
			st.initial = string(input)
		}
		evs = append(evs, event{kind: evToolStart, block: in.Index, id: b.ID, name: b.Name})
	case "thinking":
		st.kind = blockThinking
		if b.Thinking != "" {
			evs = append(evs, event{kind: evThinking, block: in.Index, text: b.Thinking})
		}
	}
	return evs
}

func (d *anthropicDecoder) blockDelta(evs []event, in *anStreamEvent) []event {
	st := d.blocks[in.Index]
	if st == nil || in.Delta == nil {
		return evs
	}
	switch {
	case in.Delta.Type == "text_delta" && st.kind == blockText && in.Delta.Text != "":
		evs = append(evs, event{kind: evText, block: in.Index, text: in.Delta.Text})
	case in.Delta.Type == "input_json_delta" && st.kind == blockTool && in.Delta.PartialJSON != "":
		st.sent = true
		evs = append(evs, event{kind: evToolArgs, block: in.Index, text: in.Delta.PartialJSON})
	case in.Delta.Type == "thinking_delta" && st.kind == blockThinking && in.Delta.Thinking != "":
		evs = append(evs, event{kind: evThinking, block: in.Index, text: in.Delta.Thinking})
	}
	return evs
}

// blockStop ends a block. A tool call whose arguments never came gets its
// start input, or {}: an OpenAI client must not be left with "".
func (d *anthropicDecoder) blockStop(evs []event, index int) []event {
	st := d.blocks[index]
	if st == nil {
		return evs
	}
	delete(d.blocks, index)
	if st.kind == blockTool && !st.sent {
		args := st.initial
		if args == "" {
			args = "{}"
		}
		evs = append(evs, event{kind: evToolArgs, block: index, text: args})
	}
	return append(evs, event{kind: evBlockStop, block: index})
}

func (d *anthropicDecoder) messageDelta(evs []event, in *anStreamEvent) []event {
	d.usage = in.Usage.apply(d.usage)
	if in.Delta != nil && in.Delta.StopReason != "" {
		ev := event{kind: evFinish, stop: stopOfAnthropic(in.Delta.StopReason)}
		if in.Delta.StopSequence != nil {
			ev.stopSequence = *in.Delta.StopSequence
		}
		evs = append(evs, ev)
	}
	return append(evs, event{kind: evUsage, usage: d.usage})
}

func (d *anthropicDecoder) end(evs []event) ([]event, error) {
	if !d.ended {
		return evs, ErrIncomplete
	}
	return evs, nil
}
