package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/backstophq/backstop/internal/dialect"
)

// countTokens serves POST /v1/messages/count_tokens, which Claude Code
// calls to size its context. The gateway estimates the count itself, at
// about four characters a token over the system prompt, the messages and
// the tool definitions, so that the answer does not depend on which
// provider a route would pick. The estimate is documented as one.
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
	chars := textChars(req.System) + textChars(req.Messages) + utf8.RuneCount(req.Tools)
	out := []byte(`{"input_tokens":` + strconv.Itoa(max(1, chars/4)) + `}`)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
}

// textChars counts the characters of every string inside a JSON value:
// the text of messages and blocks, without the JSON around it.
func textChars(raw json.RawMessage) int {
	if len(raw) == 0 {
		return 0
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return 0
	}
	return countStrings(v)
}

func countStrings(v any) int {
	switch x := v.(type) {
	case string:
		return utf8.RuneCountInString(x)
	case []any:
		n := 0
		for _, e := range x {
			n += countStrings(e)
		}
		return n
	case map[string]any:
		n := 0
		for k, e := range x {
			if k == "type" || k == "role" || k == "cache_control" {
				continue
			}
			n += countStrings(e)
		}
		return n
	}
	return 0
}
