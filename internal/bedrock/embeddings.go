package bedrock

import "strings"

// Embedder is the family of a Bedrock embeddings model: which
// InvokeModel body it takes and which answer it gives. Each family has a
// body of its own, so a model of a family not listed here cannot be
// called for embeddings at all.
type Embedder uint8

// The embeddings families the gateway speaks.
const (
	// NoEmbedder: not an embeddings model the gateway knows.
	NoEmbedder Embedder = iota
	// TitanV1 is Amazon Titan Text Embeddings v1
	// (amazon.titan-embed-text-v1, amazon.titan-embed-g1-text-02):
	// {"inputText"}, one input a call, fixed dimensions.
	TitanV1
	// TitanV2 is Amazon Titan Text Embeddings v2
	// (amazon.titan-embed-text-v2:0): {"inputText","dimensions",
	// "normalize"}, one input a call.
	TitanV2
	// CohereV3 is Cohere Embed v3 (cohere.embed-english-v3,
	// cohere.embed-multilingual-v3): {"texts":[…],"input_type"}, a batch
	// a call, fixed dimensions.
	CohereV3
)

// EmbedderOf is the embeddings family of model, a Bedrock model id, an
// inference profile id or an ARN naming either (as for IsAnthropic).
func EmbedderOf(model string) Embedder {
	m := baseModel(model)
	switch {
	case strings.HasPrefix(m, "amazon.titan-embed-text-v2"):
		return TitanV2
	case strings.HasPrefix(m, "amazon.titan-embed-text-v1"), strings.HasPrefix(m, "amazon.titan-embed-g1-text"):
		return TitanV1
	case strings.HasPrefix(m, "cohere.embed-english-v3"), strings.HasPrefix(m, "cohere.embed-multilingual-v3"):
		return CohereV3
	}
	return NoEmbedder
}

// IsEmbeddingsModel reports whether model is an embeddings model, of a
// family the gateway knows or not (amazon.titan-embed-*, cohere.embed-*):
// such a model serves no chat.
func IsEmbeddingsModel(model string) bool {
	m := baseModel(model)
	return strings.HasPrefix(m, "amazon.titan-embed") || strings.HasPrefix(m, "cohere.embed")
}

// baseModel is model without its ARN and inference profile prefix.
func baseModel(model string) string {
	if strings.HasPrefix(model, "arn:") {
		i := strings.LastIndexByte(model, '/')
		if i < 0 {
			return ""
		}
		model = model[i+1:]
	}
	for _, p := range profilePrefixes {
		if rest, ok := strings.CutPrefix(model, p); ok {
			return rest
		}
	}
	return model
}
