package bedrock

import "strings"

// profilePrefixes are the cross-region inference profiles' prefixes of a
// model id: "us.anthropic.claude-…" runs the model in any US region.
var profilePrefixes = []string{"us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca."}

// IsAnthropic reports whether model, a Bedrock model id, an inference
// profile id or an ARN naming either, is one of Anthropic's models, which
// Bedrock serves in the Anthropic Messages format through InvokeModel.
// Every other model is called through Converse.
//
// An ARN names the model after its last "/" (foundation-model/…,
// inference-profile/…); an ARN that does not name it (a provisioned
// throughput or an application inference profile with an opaque id) is
// not recognised and goes through Converse, which serves every model.
func IsAnthropic(model string) bool {
	return strings.HasPrefix(baseModel(model), "anthropic.")
}
