package mock

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Azure OpenAI serves the OpenAI dialect under
// /openai/deployments/{deployment}/chat/completions (and /embeddings),
// with the api-version as a required query parameter and the key in an
// api-key header. Every provider of the simulator answers there too, the
// way its OpenAI paths answer; a request without a model in its body gets
// the deployment's name as its model, as Azure does.

// azurePrefix starts every Azure OpenAI data-plane path.
const azurePrefix = "/openai/deployments/"

// azureRoute splits an Azure path into its deployment and operation
// ("chat/completions" or "embeddings"); ok is false for other paths.
func azureRoute(path string) (deployment, op string, ok bool) {
	rest, ok := strings.CutPrefix(path, azurePrefix)
	if !ok {
		return "", "", false
	}
	deployment, op, ok = strings.Cut(rest, "/")
	return deployment, op, ok && deployment != ""
}

// writeAzureError writes Azure's own error body, which its gateway sends
// before a request reaches the model: {"error":{"code","message"}}, where
// code is a word or a status as a string (no type, no param).
func writeAzureError(w http.ResponseWriter, status int, code, message string) {
	type inner struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	body, _ := json.Marshal(struct {
		Error inner `json:"error"`
	}{inner{code, message}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// azure answers an Azure OpenAI request: api-version and api-key first,
// as Azure checks them, then the OpenAI answer.
func (x *exchange) azure(deployment, op string) {
	switch {
	case x.r.URL.Query().Get("api-version") == "":
		writeAzureError(x.w, http.StatusBadRequest, "MissingApiVersionParameter",
			"The api-version query parameter (?api-version=) is required for all requests.")
		return
	case x.r.Header.Get("Api-Key") == "" || (len(x.p.cfg.keys) > 0 && !slices.Contains(x.p.cfg.keys, x.r.Header.Get("Api-Key"))):
		writeAzureError(x.w, http.StatusUnauthorized, "401",
			"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.")
		return
	case x.r.Method != http.MethodPost:
		writeError(x.w, errInvalidURL(x.r.Method, x.r.URL.Path, http.StatusMethodNotAllowed))
		return
	}
	x.body = withModel(x.body, deployment)
	switch op {
	case "chat/completions":
		x.chat()
	case "embeddings":
		x.embeddings()
	default:
		writeAzureError(x.w, http.StatusNotFound, "404", "Resource not found")
	}
}

// withModel returns body with model set to deployment when it has none;
// anything that is not a JSON object is left for the parser to refuse.
func withModel(body []byte, deployment string) []byte {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil || fields == nil {
		return body
	}
	if _, ok := fields["model"]; ok {
		return body
	}
	fields["model"], _ = json.Marshal(deployment)
	out, err := json.Marshal(fields)
	if err != nil {
		return body
	}
	return out
}
