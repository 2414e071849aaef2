package translate

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/backstophq/backstop/internal/bedrock"
)

// cvStreamEvent is the payload of any ConverseStream event: which fields
// are set depends on the event's name.
type cvStreamEvent struct {
	Role              string `json:"role"`
	ContentBlockIndex int    `json:"contentBlockIndex"`
	Start             *struct {
		ToolUse *struct {
			ToolUseID string `json:"toolUseId"`
			Name      string `json:"name"`
		} `json:"toolUse"`
	} `json:"start"`
	Delta *struct {
		Text    *string `json:"text"`
		ToolUse *struct {
			Input string `json:"input"`
		} `json:"toolUse"`
		ReasoningContent *struct {
			Text string `json:"text"`
		} `json:"reasoningContent"`
	} `json:"delta"`
	StopReason                    string          `json:"stopReason"`
	AdditionalModelResponseFields json.RawMessage `json:"additionalModelResponseFields"`
	Usage                         *cvUsage        `json:"usage"`
	Message                       string          `json:"message"`
}

type cvBlockState struct {
	tool bool // a toolUse block, started by contentBlockStart
	sent bool // some input was sent for the tool
}

// converseDecoder reads a ConverseStream re-framed as SSE. The stream's
// last event is metadata, after messageStop; a stream that ends after
// messageStop without metadata is complete (its usage unknown), one that
// ends before is not.
type converseDecoder struct {
	blocks  map[int]*cvBlockState
	started bool
	stopped bool // messageStop seen
	ended   bool // metadata or an exception seen
}

func (d *converseDecoder) decode(evs []event, name, data []byte) ([]event, error) {
	if d.ended || len(bytes.TrimSpace(data)) == 0 && !isException(string(name)) {
		return evs, nil
	}
	var in cvStreamEvent
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &in); err != nil && !isException(string(name)) {
			return evs, malformed("Converse stream event", err)
		}
	}
	switch n := string(name); n {
	case "messageStart":
		return d.start(evs), nil
	case "contentBlockStart":
		evs = d.start(evs)
		if in.Start == nil || in.Start.ToolUse == nil {
			return evs, nil
		}
		d.block(in.ContentBlockIndex).tool = true
		return append(evs, event{kind: evToolStart, block: in.ContentBlockIndex, id: in.Start.ToolUse.ToolUseID, name: in.Start.ToolUse.Name}), nil
	case "contentBlockDelta":
		return d.delta(d.start(evs), &in), nil
	case "contentBlockStop":
		return d.blockStop(evs, in.ContentBlockIndex), nil
	case "messageStop":
		if d.stopped {
			return evs, nil
		}
		d.stopped = true
		evs = d.start(evs)
		return append(evs, event{kind: evFinish, stop: stopOfConverse(in.StopReason), stopSequence: stopSequenceOf(in.AdditionalModelResponseFields)}), nil
	case "metadata":
		d.ended = true
		evs = d.start(evs)
		return append(evs, event{kind: evUsage, usage: in.Usage.canonical()}, event{kind: evEnd}), nil
	default:
		if !isException(n) {
			return evs, nil // unknown events are ignored
		}
		d.ended = true
		return append(evs, event{kind: evError, err: converseStreamException(n, in.Message)}), nil
	}
}

// isException tells an exception event from an unknown event: Bedrock
// names every exception "…Exception".
func isException(name string) bool { return strings.HasSuffix(name, "Exception") }

// converseStreamException is the error an exception event means, with the
// status Bedrock gives that exception.
func converseStreamException(name, message string) APIError {
	e := APIError{Kind: KindInternal, Message: message}
	if ex, ok := bedrock.LookupException(name); ok {
		e.Kind, e.Status = kindOfException[ex.Name], ex.Status
	}
	if e.Message == "" {
		e.Message = genericMessage(e.Status)
	}
	return e
}

func (d *converseDecoder) start(evs []event) []event {
	if d.started {
		return evs
	}
	d.started = true
	return append(evs, event{kind: evStart})
}

func (d *converseDecoder) block(i int) *cvBlockState {
	if d.blocks == nil {
		d.blocks = make(map[int]*cvBlockState)
	}
	st := d.blocks[i]
	if st == nil {
		st = &cvBlockState{}
		d.blocks[i] = st
	}
	return st
}

// delta reads a contentBlockDelta. Text blocks have no contentBlockStart:
// their first delta opens them. A toolUse delta for a block that was not
// started as a tool has no name to go with and is dropped.
func (d *converseDecoder) delta(evs []event, in *cvStreamEvent) []event {
	if in.Delta == nil {
		return evs
	}
	i := in.ContentBlockIndex
	st := d.block(i)
	switch {
	case in.Delta.Text != nil && !st.tool && *in.Delta.Text != "":
		evs = append(evs, event{kind: evText, block: i, text: *in.Delta.Text})
	case in.Delta.ToolUse != nil && st.tool && in.Delta.ToolUse.Input != "":
		st.sent = true
		evs = append(evs, event{kind: evToolArgs, block: i, text: in.Delta.ToolUse.Input})
	case in.Delta.ReasoningContent != nil && !st.tool && in.Delta.ReasoningContent.Text != "":
		evs = append(evs, event{kind: evThinking, block: i, text: in.Delta.ReasoningContent.Text})
	}
	return evs
}

// blockStop ends a block; a tool call whose input never came gets {}.
func (d *converseDecoder) blockStop(evs []event, i int) []event {
	st := d.blocks[i]
	if st == nil {
		return evs
	}
	delete(d.blocks, i)
	if st.tool && !st.sent {
		evs = append(evs, event{kind: evToolArgs, block: i, text: "{}"})
	}
	return append(evs, event{kind: evBlockStop, block: i})
}

func (d *converseDecoder) end(evs []event) ([]event, error) {
	switch {
	case d.ended:
		return evs, nil
	case d.stopped:
		d.ended = true
		return append(evs, event{kind: evEnd}), nil
	}
	return evs, ErrIncomplete
}
