package translate

import (
	"bytes"
	"encoding/json"
)

// Block keys of a Gemini stream: text and thoughts have fixed keys; the
// n-th function call of the answer has key n (calls arrive whole, one
// part each).
const (
	gmTextBlock    = textBlock
	gmThoughtBlock = textBlock - 1
)

// geminiDecoder reads a Gemini stream (streamGenerateContent?alt=sse):
// every event is a whole GenerateContentResponse; there is no end marker.
// The chunk that carries a finishReason (or a prompt's blockReason) is the
// last one of a complete answer, so the stream is complete when the
// provider's EOF comes after it, and cut when it comes before.
type geminiDecoder struct {
	started  bool
	finished bool // a finishReason or blockReason came
	ended    bool // an error came
	id       string
	calls    int
	usage    Usage
}

func (d *geminiDecoder) decode(evs []event, _, data []byte) ([]event, error) {
	data = bytes.TrimSpace(data)
	if d.ended || len(data) == 0 {
		return evs, nil
	}
	var in gmResponse
	if err := json.Unmarshal(data, &in); err != nil {
		return evs, malformed("Gemini stream chunk", err)
	}
	if in.Error != nil {
		d.ended = true
		return append(evs, event{kind: evError, err: decodeGeminiError(0, data)}), nil
	}
	if in.UsageMetadata != nil {
		d.usage = in.UsageMetadata.canonical()
	}
	if !d.started {
		d.started, d.id = true, in.ResponseID
		evs = append(evs, event{kind: evStart, id: in.ResponseID, model: in.ModelVersion, usage: d.usage})
	}
	if len(in.Candidates) == 0 {
		if in.PromptFeedback != nil && in.PromptFeedback.BlockReason != "" && !d.finished {
			d.finished = true
			evs = append(evs, event{kind: evFinish, stop: StopRefusal})
		}
		return append(evs, event{kind: evUsage, usage: d.usage}), nil
	}
	c := in.Candidates[0]
	if c.Content != nil {
		for _, p := range c.Content.Parts {
			evs = d.part(evs, p)
		}
	}
	if c.FinishReason != "" && !d.finished {
		d.finished = true
		stop := stopOfGemini(c.FinishReason)
		if d.calls > 0 && (stop == StopEnd || stop == StopUnknown) {
			stop = StopToolUse
		}
		evs = append(evs, event{kind: evFinish, stop: stop})
	}
	if in.UsageMetadata != nil || d.finished {
		evs = append(evs, event{kind: evUsage, usage: d.usage})
	}
	return evs, nil
}

// part turns one part into events: text and thoughts as deltas, a
// function call as a whole block (start, its arguments, stop).
func (d *geminiDecoder) part(evs []event, p gmPart) []event {
	switch {
	case p.FunctionCall != nil:
		fc := p.FunctionCall
		id := fc.ID
		if id == "" {
			id = geminiCallID(d.id, d.calls)
		}
		key := d.calls
		d.calls++
		evs = append(evs, event{kind: evToolStart, block: key, id: id, name: fc.Name},
			event{kind: evToolArgs, block: key, text: string(objectOrEmpty(fc.Args))})
		return append(evs, event{kind: evBlockStop, block: key})
	case p.Text != nil && *p.Text == "":
	case p.Text != nil && p.Thought:
		return append(evs, event{kind: evThinking, block: gmThoughtBlock, text: *p.Text})
	case p.Text != nil:
		return append(evs, event{kind: evText, block: gmTextBlock, text: *p.Text})
	}
	return evs
}

func (d *geminiDecoder) end(evs []event) ([]event, error) {
	if d.ended {
		return evs, nil
	}
	if !d.finished {
		return evs, ErrIncomplete
	}
	d.ended = true
	return append(evs, event{kind: evEnd}), nil
}
