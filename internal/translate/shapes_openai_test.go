package translate

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// sdkOpenAIRequest mirrors the fields of openai-go's ChatCompletionNewParams
// that a translated request may carry.
type sdkOpenAIRequest struct {
	Model    string             `json:"model"`
	Messages []sdkOpenAIMessage `json:"messages"`
	Tools    []struct {
		Type     string `json:"type"`
		Function struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		} `json:"function"`
	} `json:"tools"`
	ToolChoice          json.RawMessage `json:"tool_choice"`
	ParallelToolCalls   *bool           `json:"parallel_tool_calls"`
	ResponseFormat      json.RawMessage `json:"response_format"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	Stop                []string        `json:"stop"`
	Stream              bool            `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	User string `json:"user"`
}

type sdkOpenAIMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCalls  []sdkToolCall   `json:"tool_calls"`
	ToolCallID string          `json:"tool_call_id"`
}

type sdkToolCall struct {
	Index    *int   `json:"index"`
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string  `json:"name"`
		Arguments *string `json:"arguments"`
	} `json:"function"`
}

type sdkOpenAIPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	ImageURL *struct {
		URL string `json:"url"`
	} `json:"image_url"`
	File *struct {
		FileData string `json:"file_data"`
		Filename string `json:"filename"`
	} `json:"file"`
}

func checkOpenAIRequest(t *testing.T, out []byte, want *expectation) {
	var req sdkOpenAIRequest
	strictDecode(t, "OpenAI request", out, &req)
	if req.Model != openAITarget {
		t.Errorf("model %q, want %q", req.Model, openAITarget)
	}
	if len(req.Stop) > 4 {
		t.Errorf("%d stop sequences; OpenAI takes 4", len(req.Stop))
	}
	if req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 2) {
		t.Errorf("temperature %v out of 0–2", *req.Temperature)
	}
	if (req.ToolChoice != nil || req.ParallelToolCalls != nil) && len(req.Tools) == 0 {
		t.Error("tool_choice or parallel_tool_calls without tools")
	}
	if req.StreamOptions != nil && !req.Stream {
		t.Error("stream_options without stream")
	}
	for i, tool := range req.Tools {
		if tool.Type != "function" || tool.Function.Name == "" {
			t.Errorf("tools[%d] is not a named function", i)
		}
	}
	checkOpenAIMessages(t, req.Messages)
	checkRequestPaths(t, out, want.ToOpenAI)
}

// checkOpenAIMessages checks the conversation rules OpenAI enforces: tool
// messages answer, right after it, the assistant turn that made the call.
func checkOpenAIMessages(t *testing.T, msgs []sdkOpenAIMessage) {
	var pending []string // ids of the last assistant turn's calls
	for i, m := range msgs {
		switch m.Role {
		case "tool":
			if !slices.Contains(pending, m.ToolCallID) {
				t.Errorf("messages[%d]: tool result %q answers no call just before it (%v)", i, m.ToolCallID, pending)
			}
			checkOpenAIContent(t, i, m.Content, false)
			continue
		case "assistant":
			pending = pending[:0]
			for _, c := range m.ToolCalls {
				if c.ID == "" || c.Type != "function" || c.Function.Name == "" || c.Function.Arguments == nil || !validArgs(*c.Function.Arguments) {
					t.Errorf("messages[%d]: bad tool call %+v", i, c)
				}
				pending = append(pending, c.ID)
			}
			if string(m.Content) == "null" && len(m.ToolCalls) == 0 {
				t.Errorf("messages[%d]: assistant turn with neither content nor tool calls", i)
			}
			continue
		case "system", "user":
			checkOpenAIContent(t, i, m.Content, m.Role == "user")
		default:
			t.Errorf("messages[%d]: role %q", i, m.Role)
		}
		pending = pending[:0]
	}
}

func checkOpenAIContent(t *testing.T, i int, raw json.RawMessage, media bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return
	}
	var parts []sdkOpenAIPart
	strictDecode(t, "OpenAI content parts", raw, &parts)
	for j, p := range parts {
		switch {
		case p.Type == "text":
		case media && p.Type == "image_url" && p.ImageURL != nil:
			u := p.ImageURL.URL
			if !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
				t.Errorf("messages[%d].content[%d]: image url %q", i, j, u)
			}
		case media && p.Type == "file" && p.File != nil && strings.HasPrefix(p.File.FileData, "data:"):
		default:
			t.Errorf("messages[%d].content[%d]: part %+v not allowed here", i, j, p)
		}
	}
}

// sdkChatCompletion mirrors openai-go's ChatCompletion.
type sdkChatCompletion struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index   int `json:"index"`
		Message struct {
			Role      string        `json:"role"`
			Content   *string       `json:"content"`
			Refusal   *string       `json:"refusal"`
			ToolCalls []sdkToolCall `json:"tool_calls"`
		} `json:"message"`
		Logprobs     json.RawMessage `json:"logprobs"`
		FinishReason string          `json:"finish_reason"`
	} `json:"choices"`
	Usage *sdkOpenAIUsage `json:"usage"`
}

type sdkOpenAIUsage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails *struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

var openAIFinishReasons = []string{"stop", "length", "tool_calls", "content_filter"}

func (u *sdkOpenAIUsage) answer(t *testing.T, a *openAIAnswer) {
	if u == nil {
		return
	}
	if u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage total %d != %d + %d", u.TotalTokens, u.PromptTokens, u.CompletionTokens)
	}
	a.Usage = &struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
		CachedTokens     int `json:"cached_tokens"`
	}{u.PromptTokens, u.CompletionTokens, u.TotalTokens, 0}
	if u.PromptTokensDetails != nil {
		a.Usage.CachedTokens = u.PromptTokensDetails.CachedTokens
	}
}

func checkOpenAIResponse(t *testing.T, out []byte, want *expectation) {
	var c sdkChatCompletion
	strictDecode(t, "OpenAI chat completion", out, &c)
	if c.Object != "chat.completion" || c.ID == "" || c.Created == 0 || len(c.Choices) != 1 {
		t.Fatalf("not a one-choice chat completion: %s", out)
	}
	ch := c.Choices[0]
	if ch.Message.Role != "assistant" || !slices.Contains(openAIFinishReasons, ch.FinishReason) {
		t.Errorf("role %q, finish_reason %q", ch.Message.Role, ch.FinishReason)
	}
	var got openAIAnswer
	if ch.Message.Content != nil {
		got.Text = *ch.Message.Content
	} else if len(ch.Message.ToolCalls) == 0 {
		t.Error("content null without tool calls")
	}
	for _, tc := range ch.Message.ToolCalls {
		if tc.Type != "function" || tc.Function.Arguments == nil || !validArgs(*tc.Function.Arguments) {
			t.Errorf("bad tool call %+v", tc)
			continue
		}
		got.ToolCalls = append(got.ToolCalls, wantToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: json.RawMessage(*tc.Function.Arguments)})
	}
	got.FinishReason = ch.FinishReason
	c.Usage.answer(t, &got)
	compareOpenAIAnswer(t, got, want.OpenAI)
}

// sdkChunk mirrors openai-go's ChatCompletionChunk.
type sdkChunk struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Role      string        `json:"role"`
			Content   *string       `json:"content"`
			ToolCalls []sdkToolCall `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *sdkOpenAIUsage `json:"usage"`
}

// openAIStreamState accumulates a stream as openai-go's
// ChatCompletionAccumulator does, checking the order rules on the way.
type openAIStreamState struct {
	id       string
	answer   openAIAnswer
	args     []string
	finished bool
	ended    string // "", "done", "error"
}

func checkOpenAIStream(t *testing.T, out []byte, want *expectation) {
	var st openAIStreamState
	for i, ev := range parseSSE(out) {
		if st.ended != "" {
			t.Fatalf("event %d after the stream ended (%s): %q", i, st.ended, ev.data)
		}
		if ev.name != "" {
			t.Errorf("OpenAI events have no name; got %q", ev.name)
		}
		st.event(t, i, ev.data)
	}
	for i, a := range st.args {
		if !validArgs(a) {
			t.Errorf("tool call %d arguments %q are not a JSON object", i, a)
		}
		st.answer.ToolCalls[i].Arguments = json.RawMessage(a)
	}
	checkStreamEnd(t, out, st.ended == "done", st.ended == "error", want.StreamEnd)
	if st.ended == "done" {
		compareOpenAIAnswer(t, st.answer, want.OpenAI)
	}
}

func (st *openAIStreamState) event(t *testing.T, i int, data string) {
	if data == "[DONE]" {
		st.ended = "done"
		return
	}
	if strings.HasPrefix(data, `{"error"`) {
		var e struct {
			Error sdkErrorFields `json:"error"`
		}
		strictDecode(t, "OpenAI stream error", []byte(data), &e)
		st.ended = "error"
		return
	}
	var c sdkChunk
	strictDecode(t, "OpenAI chunk", []byte(data), &c)
	if c.Object != "chat.completion.chunk" || c.ID == "" {
		t.Fatalf("event %d is not a chunk: %s", i, data)
	}
	if st.id == "" {
		st.id = c.ID
		if len(c.Choices) != 1 || c.Choices[0].Delta.Role != "assistant" {
			t.Fatalf("the first chunk must be the role chunk: %s", data)
		}
	} else if c.ID != st.id {
		t.Fatalf("chunk id changed from %q to %q", st.id, c.ID)
	}
	if len(c.Choices) == 0 {
		if c.Usage == nil || !st.finished {
			t.Fatalf("a chunk without choices must be the usage chunk, after the finish: %s", data)
		}
		c.Usage.answer(t, &st.answer)
		return
	}
	ch := c.Choices[0]
	if st.finished {
		t.Fatalf("chunk after the finish chunk: %s", data)
	}
	if ch.Delta.Content != nil {
		st.answer.Text += *ch.Delta.Content
	}
	st.toolCalls(t, ch.Delta.ToolCalls)
	if ch.FinishReason != nil {
		st.finished = true
		st.answer.FinishReason = *ch.FinishReason
	}
}

// toolCalls accumulates tool call fragments by index: the first fragment
// of an index has the id, the type and the name.
func (st *openAIStreamState) toolCalls(t *testing.T, calls []sdkToolCall) {
	for _, tc := range calls {
		if tc.Index == nil || tc.Function.Arguments == nil {
			t.Fatalf("tool call fragment without index or arguments: %+v", tc)
		}
		idx := *tc.Index
		switch {
		case idx == len(st.args):
			if tc.ID == "" || tc.Type != "function" || tc.Function.Name == "" {
				t.Fatalf("first fragment of tool call %d lacks id, type or name: %+v", idx, tc)
			}
			st.answer.ToolCalls = append(st.answer.ToolCalls, wantToolCall{ID: tc.ID, Name: tc.Function.Name})
			st.args = append(st.args, *tc.Function.Arguments)
		case idx < len(st.args):
			if tc.ID != "" || tc.Function.Name != "" {
				t.Fatalf("later fragment of tool call %d repeats id or name: %+v", idx, tc)
			}
			st.args[idx] += *tc.Function.Arguments
		default:
			t.Fatalf("tool call index %d skips ahead of %d", idx, len(st.args))
		}
	}
}

type sdkErrorFields struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// checkStreamEnd checks how the stream ended against expect.json.
func checkStreamEnd(t *testing.T, out []byte, clean, failed bool, want string) {
	incomplete := strings.Contains(string(out), ": end: "+ErrIncomplete.Error())
	got := "none"
	switch {
	case clean && !incomplete:
		got = "complete"
	case failed && !incomplete:
		got = "error"
	case incomplete && !clean && !failed:
		got = "incomplete"
	}
	if want == "" {
		want = "complete"
	}
	if got != want {
		t.Errorf("stream ended %s, want %s", got, want)
	}
}
