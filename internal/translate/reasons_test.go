package translate

import "testing"

// TestStopReasons pins the finish/stop reason table of wire-formats.md §5
// in both directions, including the reasons no golden case exercises.
func TestStopReasons(t *testing.T) {
	toOpenAI := map[string]string{
		"end_turn":                      "stop",
		"stop_sequence":                 "stop",
		"pause_turn":                    "stop",
		"max_tokens":                    "length",
		"model_context_window_exceeded": "length",
		"tool_use":                      "tool_calls",
		"refusal":                       "content_filter",
		"something_new":                 "stop",
	}
	for an, oa := range toOpenAI {
		if got := openAIFinish(stopOfAnthropic(an)); got != oa {
			t.Errorf("Anthropic %s → OpenAI %s, want %s", an, got, oa)
		}
	}
	toAnthropic := map[string]string{
		"stop":           "end_turn",
		"length":         "max_tokens",
		"tool_calls":     "tool_use",
		"function_call":  "tool_use",
		"content_filter": "refusal",
		"":               "end_turn",
	}
	for oa, an := range toAnthropic {
		if got := anthropicStop(stopOfOpenAI(oa)); got != an {
			t.Errorf("OpenAI %q → Anthropic %s, want %s", oa, got, an)
		}
	}
}

// TestUsageRoundTrip: OpenAI's prompt_tokens includes the cached tokens,
// Anthropic's input_tokens does not; converting one way and back keeps
// every count.
func TestUsageRoundTrip(t *testing.T) {
	in := &oaUsage{PromptTokens: 130, CompletionTokens: 7, TotalTokens: 137, PromptTokensDetails: &oaPromptDetails{CachedTokens: 100}}
	u := in.canonical()
	if u.Input != 30 || u.CacheRead != 100 || u.Output != 7 {
		t.Fatalf("canonical %+v", u)
	}
	back := openAIUsage(u)
	if back.PromptTokens != 130 || back.TotalTokens != 137 || back.PromptTokensDetails.CachedTokens != 100 {
		t.Errorf("back %+v", back)
	}
	odd := (&oaUsage{PromptTokens: 5, PromptTokensDetails: &oaPromptDetails{CachedTokens: 9}}).canonical()
	if odd.Input < 0 {
		t.Errorf("cached tokens above the prompt made input negative: %+v", odd)
	}
}
