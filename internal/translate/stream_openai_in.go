package translate

import (
	"bytes"
	"encoding/json"
)

// oaChunk is one OpenAI stream chunk, or an error sent in its place.
type oaChunk struct {
	ID      string `json:"id"`
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Content   *string       `json:"content"`
			Refusal   *string       `json:"refusal"`
			ToolCalls []oaToolDelta `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *oaUsage        `json:"usage"`
	Error json.RawMessage `json:"error"`
}

type oaToolDelta struct {
	Index    int    `json:"index"`
	ID       string `json:"id"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// openAIDecoder reads an OpenAI stream. Only the first choice is read (a
// translated request never asks for more).
type openAIDecoder struct {
	started bool
	ended   bool // [DONE] or an error seen
	id      string
	tools   map[int]bool // tool call indices started
	refusal bool         // a refusal delta came
}

var doneData = []byte("[DONE]")

func (d *openAIDecoder) decode(evs []event, _, data []byte) ([]event, error) {
	data = bytes.TrimSpace(data)
	if d.ended || len(data) == 0 {
		return evs, nil
	}
	if bytes.Equal(data, doneData) {
		d.ended = true
		return append(evs, event{kind: evEnd}), nil
	}
	var in oaChunk
	if err := json.Unmarshal(data, &in); err != nil {
		return evs, malformed("OpenAI stream chunk", err)
	}
	if !isNull(in.Error) {
		d.ended = true
		return append(evs, event{kind: evError, err: decodeOpenAIError(0, data)}), nil
	}
	if !d.started {
		d.started, d.id = true, in.ID
		evs = append(evs, event{kind: evStart, id: in.ID, model: in.Model})
	}
	for i := range in.Choices {
		if c := &in.Choices[i]; c.Index == 0 {
			evs = d.delta(evs, c.Delta.Content, c.Delta.Refusal, c.Delta.ToolCalls)
			evs = d.finish(evs, c.FinishReason)
		}
	}
	if in.Usage != nil {
		evs = append(evs, event{kind: evUsage, usage: in.Usage.canonical()})
	}
	return evs, nil
}

func (d *openAIDecoder) delta(evs []event, content, refusal *string, calls []oaToolDelta) []event {
	if content != nil && *content != "" {
		evs = append(evs, event{kind: evText, block: textBlock, text: *content})
	}
	if refusal != nil && *refusal != "" {
		d.refusal = true
		evs = append(evs, event{kind: evText, block: textBlock, text: *refusal})
	}
	for _, tc := range calls {
		if !d.tools[tc.Index] {
			if d.tools == nil {
				d.tools = make(map[int]bool)
			}
			d.tools[tc.Index] = true
			id := tc.ID
			if id == "" {
				id = syntheticToolID(d.id, tc.Index)
			}
			evs = append(evs, event{kind: evToolStart, block: tc.Index, id: id, name: tc.Function.Name})
		}
		if tc.Function.Arguments != "" {
			evs = append(evs, event{kind: evToolArgs, block: tc.Index, text: tc.Function.Arguments})
		}
	}
	return evs
}

// finish reads a finish_reason. A "stop" after tool calls (some
// OpenAI-compatible servers) is a tool_calls; a "stop" after a refusal
// is a refusal.
func (d *openAIDecoder) finish(evs []event, reason *string) []event {
	if reason == nil || *reason == "" {
		return evs
	}
	stop := stopOfOpenAI(*reason)
	if stop == StopEnd && len(d.tools) > 0 {
		stop = StopToolUse
	}
	if stop == StopEnd && d.refusal {
		stop = StopRefusal
	}
	return append(evs, event{kind: evFinish, stop: stop})
}

func (d *openAIDecoder) end(evs []event) ([]event, error) {
	if !d.ended {
		return evs, ErrIncomplete
	}
	return evs, nil
}
