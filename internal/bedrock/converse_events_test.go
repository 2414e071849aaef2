package bedrock

import "testing"

func TestClassifyConverse(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       ConverseEvent
	}{
		{"messageStart", `{"role":"assistant"}`, ConversePreamble},
		{"contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":""}}`, ConversePreamble},
		{"contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Hi"}}`, ConverseContent},
		{"contentBlockDelta", `{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{"}}}`, ConverseContent},
		{"contentBlockDelta", `{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"hm"}}}`, ConverseContent},
		{"contentBlockStart", `{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"t","name":"f"}}}`, ConverseContent},
		{"contentBlockStop", `{"contentBlockIndex":0}`, ConversePreamble},
		{"messageStop", `{"stopReason":"end_turn"}`, ConverseContent},
		{"metadata", `{"usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}}`, ConverseEnd},
		{"throttlingException", `{"message":"slow down"}`, ConverseFailed},
		{"internalServerException", `not json`, ConverseFailed},
		{"somethingNew", `{}`, ConversePreamble},
		{"contentBlockDelta", `{"delta":`, ConverseGarbage},
	} {
		if got := ClassifyConverse([]byte(tc.name), []byte(tc.data)); got != tc.want {
			t.Errorf("%s %s = %d, want %d", tc.name, tc.data, got, tc.want)
		}
	}
}
