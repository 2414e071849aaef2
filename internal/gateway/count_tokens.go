package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/backstophq/backstop/internal/anthropic"
	"github.com/backstophq/backstop/internal/dialect"
)

// countTokens serves POST /v1/messages/count_tokens, which Claude Code
// calls to size its context. The gateway estimates the count itself, at
// four bytes a token over the JSON of the system prompt, the messages and
// the tool definitions (internal/tokens), so that the answer does not
// depend on which provider a route would pick, and is the very estimate
// routing checks context windows with. The estimate is documented as one.
func (s *Server) countTokens(w http.ResponseWriter, r *http.Request) {
	d := dialect.Anthropic
	id := requestID(r)
	w.Header().Set(HeaderRequestID, id)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		d.WriteError(w, dialect.APIError{Status: http.StatusRequestEntityTooLarge, Message: "The request body is larger than this gateway's limit."}, id)
		return
	}
	var req struct {
		Model    string          `json:"model"`
		System   json.RawMessage `json:"system"`
		Messages json.RawMessage `json:"messages"`
		Tools    json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		d.WriteError(w, dialect.APIError{Status: http.StatusBadRequest, Message: "We could not parse the JSON body of your request: " + err.Error()}, id)
		return
	}
	if req.Model == "" || len(req.Messages) == 0 {
		d.WriteError(w, dialect.APIError{Status: http.StatusBadRequest, Message: "model and messages are required."}, id)
		return
	}
	out := []byte(`{"input_tokens":` + strconv.Itoa(max(1, anthropic.PromptTokens(body))) + `}`)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
}
