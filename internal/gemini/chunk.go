package gemini

import (
	"bytes"
	"encoding/json"
)

// ChunkKind is what a stream chunk holds, as far as the gateway cares.
type ChunkKind uint8

const (
	// Preamble: a chunk that shows the client nothing (no candidate
	// content, no finish).
	Preamble ChunkKind = iota + 1
	// Content: a chunk with parts, or the chunk that ends the answer (a
	// finishReason, or a prompt's blockReason): an empty or refused
	// answer is still an answer to deliver, not a reason to fail over.
	Content
	// ErrorChunk: an error object in place of a chunk.
	ErrorChunk
	// Garbage: not JSON, or not a GenerateContentResponse.
	Garbage
)

type chunkJSON struct {
	Candidates []struct {
		Content *struct {
			Parts []json.RawMessage `json:"parts"`
		} `json:"content"`
		FinishReason string `json:"finishReason"`
	} `json:"candidates"`
	PromptFeedback *struct {
		BlockReason string `json:"blockReason"`
	} `json:"promptFeedback"`
	Error json.RawMessage `json:"error"`
}

// Classify tells what a chunk holds. Gemini streams have no end marker:
// the end of a complete stream is the EOF after the chunk with the
// finishReason (see internal/translate's Gemini decoder).
func Classify(data []byte) ChunkKind {
	data = bytes.TrimSpace(data)
	var c chunkJSON
	if len(data) == 0 || data[0] != '{' || json.Unmarshal(data, &c) != nil {
		return Garbage
	}
	if len(c.Error) > 0 && string(c.Error) != "null" {
		return ErrorChunk
	}
	if c.PromptFeedback != nil && c.PromptFeedback.BlockReason != "" {
		return Content
	}
	for _, cand := range c.Candidates {
		if cand.FinishReason != "" || cand.Content != nil && len(cand.Content.Parts) > 0 {
			return Content
		}
	}
	return Preamble
}

// IsError reports whether a chunk is an error object; it is what the
// gateway asks of every chunk after commit, so it decodes only the chunks
// that mention "error".
func IsError(data []byte) bool { return isError(data) }
