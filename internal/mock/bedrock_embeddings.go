package mock

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/backstophq/backstop/internal/bedrock"
)

// This file is InvokeModel on Bedrock's embeddings models: Amazon Titan
// Text Embeddings v1 and v2 ({"inputText"}: one text a call) and Cohere
// Embed v3 ({"texts":[…],"input_type"}). Vectors come from the same
// machinery as the OpenAI dialect's (content.embedding). Bodies are
// checked as Bedrock checks them: a missing or extraneous key is a
// ValidationException naming it.

// cohereMaxTexts is how many texts one Cohere Embed call takes.
const cohereMaxTexts = 96

// titanV2Dimensions are the lengths Titan v2 makes; the last is its default.
var titanV2Dimensions = []int{256, 512, 1024}

// malformedInput is Bedrock's ValidationException for a body that does
// not fit the model's schema.
func malformedInput(format string, a ...any) bedrockError {
	return errValidation("Malformed input request: " + fmt.Sprintf(format, a...) + ", please reformat your input and try again.")
}

// bodyKeys decodes body as an object whose keys are all in allowed.
func bodyKeys(body []byte, allowed ...string) (object, *bedrockError) {
	var o object
	if json.Unmarshal(body, &o) != nil || o == nil {
		e := errValidation(bedrockMessages["ValidationException"])
		return nil, &e
	}
	for k := range o {
		if !slices.Contains(allowed, k) {
			e := malformedInput("#: extraneous key [%s] is not permitted", k)
			return nil, &e
		}
	}
	return o, nil
}

// invokeEmbeddings answers InvokeModel on an embeddings model.
func (x *exchange) invokeEmbeddings(op bedrockOp) {
	if op.stream() {
		writeBedrockError(x.w, errValidation("The model is unsupported for streaming."))
		return
	}
	var out any
	var tokens int
	var e *bedrockError
	switch bedrock.EmbedderOf(op.model) {
	case bedrock.TitanV1, bedrock.TitanV2:
		out, tokens, e = x.titanEmbedding(op.model)
	case bedrock.CohereV3:
		out, tokens, e = x.cohereEmbeddings()
	default:
		writeBedrockError(x.w, errValidation("The simulator does not serve the embeddings model "+op.model+"."))
		return
	}
	if e != nil {
		writeBedrockError(x.w, *e)
		return
	}
	if f := x.fault; f != nil && !x.sleep(f.TTFT.D()) {
		return
	}
	body, _ := json.Marshal(out)
	x.sendBedrockJSON(body, tokens, 0)
}

// titanEmbedding reads a Titan body and makes its one vector.
func (x *exchange) titanEmbedding(model string) (any, int, *bedrockError) {
	v2 := bedrock.EmbedderOf(model) == bedrock.TitanV2
	allowed := []string{"inputText"}
	dims := 1536
	if v2 {
		allowed = append(allowed, "dimensions", "normalize", "embeddingTypes")
		dims = 1024
	}
	o, e := bodyKeys(x.body, allowed...)
	if e != nil {
		return nil, 0, e
	}
	var text string
	if raw, ok := o["inputText"]; !ok {
		m := malformedInput("#: required key [inputText] not found")
		return nil, 0, &m
	} else if json.Unmarshal(raw, &text) != nil || text == "" {
		m := malformedInput("#/inputText: expected minLength: 1, actual: 0")
		return nil, 0, &m
	}
	if raw, ok := o["dimensions"]; ok {
		if json.Unmarshal(raw, &dims) != nil || !slices.Contains(titanV2Dimensions, dims) {
			m := malformedInput("#/dimensions: %s is not a valid enum value", raw)
			return nil, 0, &m
		}
	}
	if raw, ok := o["normalize"]; ok {
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			m := malformedInput("#/normalize: expected type: Boolean, found: %s", kindOf(raw).phrase())
			return nil, 0, &m
		}
	}
	tokens := max(1, utf8.RuneCountInString(text)/4)
	v := x.p.content.embedding(text, dims)
	out := map[string]any{"embedding": v, "inputTextTokenCount": tokens}
	if v2 {
		out["embeddingsByType"] = map[string]any{"float": v}
	}
	return out, tokens, nil
}

// cohereInputTypes are the input_type values Cohere Embed v3 takes.
var cohereInputTypes = []string{"search_document", "search_query", "classification", "clustering"}

// cohereEmbeddings reads a Cohere Embed v3 body and makes its vectors,
// 1024 long.
func (x *exchange) cohereEmbeddings() (any, int, *bedrockError) {
	o, e := bodyKeys(x.body, "texts", "input_type", "truncate", "embedding_types", "images")
	if e != nil {
		return nil, 0, e
	}
	var texts []string
	if raw, ok := o["texts"]; !ok {
		m := malformedInput("#: required key [texts] not found")
		return nil, 0, &m
	} else if json.Unmarshal(raw, &texts) != nil || len(texts) == 0 || len(texts) > cohereMaxTexts {
		m := malformedInput("#/texts: expected an array of 1 to %d strings", cohereMaxTexts)
		return nil, 0, &m
	}
	var kind string
	if raw, ok := o["input_type"]; !ok {
		m := malformedInput("#: required key [input_type] not found")
		return nil, 0, &m
	} else if json.Unmarshal(raw, &kind) != nil || !slices.Contains(cohereInputTypes, kind) {
		m := malformedInput("#/input_type: %s is not a valid enum value", raw)
		return nil, 0, &m
	}
	vecs := make([][]float32, len(texts))
	tokens := 0
	for i, s := range texts {
		if strings.TrimSpace(s) == "" {
			m := malformedInput("#/texts/%d: expected minLength: 1, actual: 0", i)
			return nil, 0, &m
		}
		vecs[i] = x.p.content.embedding(s, 1024)
		tokens += max(1, utf8.RuneCountInString(s)/4)
	}
	rng := rand.New(rand.NewPCG(x.p.sim.opts.Seed^x.n, hashString(x.p.name)))
	return map[string]any{"id": randomUUID(rng), "embeddings": vecs, "texts": texts, "response_type": "embeddings_floats"}, tokens, nil
}

// randomUUID is a version-4 UUID from rng, as Cohere's ids are.
func randomUUID(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
