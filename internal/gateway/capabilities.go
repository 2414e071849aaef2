package gateway

import (
	"slices"
	"strconv"

	"github.com/backstophq/backstop/internal/route"
	"github.com/backstophq/backstop/internal/tokens"
	"github.com/backstophq/backstop/internal/translate"
)

// What a request needs of a target (route.Target.Lacks) and where a too
// long request goes (routes.X.context_fallback); docs/routing.md,
// *Capabilities*.

// contextFallback is where a request that target chain[i] refused as too
// long goes next: the index of the route's context_fallback when it comes
// later in chain, len(chain) when it is not in chain (run tries it after
// the chain), or -1 when there is none to go to.
func (c *call) contextFallback(chain []*route.Target, i int) int {
	f := c.route.ContextFallback
	if f == nil {
		return -1
	}
	j := slices.Index(chain, f)
	switch {
	case j < 0:
		return len(chain)
	case j > i:
		return j
	}
	return -1
}

// lacking skips t, which cannot serve what the request needs, and keeps
// why, for the 400 the client gets if no target can serve it: the
// offending field, named as in the client's request.
func (c *call) lacking(t *route.Target, lack route.Lack) {
	c.skip(t, string(lack))
	n := &c.req.Needs
	e := &translate.Error{Message: "target `" + t.Name + "` does not accept "}
	c.unservableCode = ""
	switch lack {
	case route.LacksVision:
		e.Param, e.Message = n.ImageParam, e.Message+"images (capabilities.vision is false)."
	case route.LacksTools:
		e.Param, e.Message = "tools", e.Message+"tools (capabilities.tools is false)."
	case route.LacksJSONSchema:
		e.Param, e.Message = c.jsonSchemaParam(), e.Message+"a JSON-schema response format (capabilities.json_schema is false)."
	case route.LacksEmbeddings:
		e.Param, e.Message = "model", "target `"+t.Name+"` has no embeddings (capabilities.embeddings is false)."
	case route.LacksChat:
		e.Param, e.Message = "model", "target `"+t.Name+"` is an embeddings model ("+t.Model+"), which serves no chat."
	case route.LacksContextWindow:
		c.overContext = true
		c.unservableCode = "context_length_exceeded"
		e.Param = "messages"
		e.Message = "target `" + t.Name + "` has a context window of " + itoa(t.Caps.ContextWindow) + " tokens, and this request needs about " +
			itoa(n.PromptTokens()) + " for its prompt (estimated at " + itoa(tokens.BytesPerToken) + " bytes a token) plus " +
			strconv.FormatInt(t.OutputFor(n.MaxTokens), 10) + " for its answer."
	}
	c.untranslatable = e
}

// jsonSchemaParam names the field that asks for a JSON schema in the
// client's dialect.
func (c *call) jsonSchemaParam() string {
	if c.client.ID() == translate.Anthropic {
		return "output_format"
	}
	return "response_format"
}
