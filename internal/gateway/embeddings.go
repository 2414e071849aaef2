package gateway

import (
	"github.com/backstophq/backstop/internal/dialect"
	"github.com/backstophq/backstop/internal/route"
	"github.com/backstophq/backstop/internal/translate"
)

// embeddingsBody is the body of an embeddings request for t, which speaks
// up, a dialect other than OpenAI's: Gemini's batchEmbedContents or the
// InvokeModel body of t's Bedrock embeddings family. The client's request
// is read once, on the first such target; a request that cannot be
// translated (token arrays, dimensions the model cannot make) is a
// *translate.Error, which skips t. Anthropic has no embeddings: its
// targets are skipped before this, by their capability.
func (c *call) embeddingsBody(t *route.Target, up dialect.Upstream) ([]byte, error) {
	if c.emb == nil {
		if c.embErr != nil {
			return nil, c.embErr
		}
		c.emb, c.embErr = translate.ParseEmbeddings(c.body)
		if c.embErr != nil {
			return nil, c.embErr
		}
	}
	return translate.EncodeEmbeddings(up.ID(), t.Model, c.emb)
}
