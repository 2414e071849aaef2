package translate

import (
	"encoding/json"
	"testing"

	"google.golang.org/genai"
)

// sdkGeminiRequest is a generateContent body in google.golang.org/genai's
// own types, which the SDK sends as they are: a field that is not one of
// theirs (additionalProperties in a schema, say) is one Gemini refuses.
type sdkGeminiRequest struct {
	Contents          []*genai.Content        `json:"contents"`
	SystemInstruction *genai.Content          `json:"systemInstruction"`
	Tools             []*genai.Tool           `json:"tools"`
	ToolConfig        *genai.ToolConfig       `json:"toolConfig"`
	GenerationConfig  *genai.GenerationConfig `json:"generationConfig"`
}

// checkGeminiRequest checks the SDK's shape and the rules Gemini enforces:
// user and model turns that alternate, none empty, every part with exactly
// one kind of data, every functionResponse named, schema types in upper
// case.
func checkGeminiRequest(t *testing.T, out []byte, want *expectation) {
	t.Helper()
	var req sdkGeminiRequest
	strictDecode(t, "Gemini request", out, &req)
	for i, c := range req.Contents {
		if c.Role != "user" && c.Role != "model" {
			t.Fatalf("contents[%d]: role %q", i, c.Role)
		}
		if i > 0 && req.Contents[i-1].Role == c.Role {
			t.Fatalf("contents[%d]: two %s turns in a row", i, c.Role)
		}
		if len(c.Parts) == 0 {
			t.Fatalf("contents[%d]: no parts", i)
		}
		for j, p := range c.Parts {
			kinds := 0
			for _, set := range []bool{p.Text != "", p.InlineData != nil, p.FileData != nil, p.FunctionCall != nil, p.FunctionResponse != nil} {
				if set {
					kinds++
				}
			}
			if kinds != 1 {
				t.Fatalf("contents[%d].parts[%d] has %d kinds of data", i, j, kinds)
			}
			if r := p.FunctionResponse; r != nil && (r.Name == "" || r.Response == nil) {
				t.Fatalf("contents[%d].parts[%d]: functionResponse without a name or response", i, j)
			}
			if c.Role == "user" && p.FunctionCall != nil || c.Role == "model" && p.FunctionResponse != nil {
				t.Fatalf("contents[%d].parts[%d]: a call or response in the wrong turn", i, j)
			}
		}
	}
	for _, tool := range req.Tools {
		for _, d := range tool.FunctionDeclarations {
			checkGeminiSchema(t, d.Name, d.Parameters)
		}
	}
	if gc := req.GenerationConfig; gc != nil {
		checkGeminiSchema(t, "responseSchema", gc.ResponseSchema)
	}
	checkRequestPaths(t, out, want.ToGemini)
}

func checkGeminiSchema(t *testing.T, where string, s *genai.Schema) {
	t.Helper()
	if s == nil {
		return
	}
	switch s.Type {
	case "", genai.TypeString, genai.TypeNumber, genai.TypeInteger, genai.TypeBoolean, genai.TypeArray, genai.TypeObject:
	default:
		t.Fatalf("%s: schema type %q is not one of Gemini's", where, s.Type)
	}
	for _, p := range s.Properties {
		checkGeminiSchema(t, where, p)
	}
	checkGeminiSchema(t, where, s.Items)
	for _, a := range s.AnyOf {
		checkGeminiSchema(t, where, a)
	}
}

// geminiChunkShape strict-decodes a Gemini stream chunk or response.
func geminiChunkShape(t *testing.T, data []byte) {
	t.Helper()
	var probe struct {
		Error json.RawMessage `json:"error"`
	}
	_ = json.Unmarshal(data, &probe)
	if probe.Error != nil {
		var e struct {
			Error struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
				Status  string `json:"status"`
			} `json:"error"`
		}
		strictDecode(t, "Gemini error", data, &e)
		return
	}
	var r genai.GenerateContentResponse
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("not a GenerateContentResponse: %v\n%s", err, data)
	}
}
