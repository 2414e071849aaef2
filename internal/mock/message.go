package mock

import (
	"encoding/json"
	"strings"
)

// roles are the message roles OpenAI accepts, in its error's order.
var roles = []string{"system", "assistant", "user", "function", "tool", "developer"}

// partTypes are the content part types each role may send.
var partTypes = map[string][]string{
	"user":      {"text", "image_url", "input_audio", "file"},
	"system":    {"text"},
	"developer": {"text"},
	"tool":      {"text"},
	"assistant": {"text", "refusal"},
}

// parseMessages validates the required, non-empty messages array.
func parseMessages(o object) ([]message, *apiError) {
	raw, ok := o.get("messages")
	if !ok {
		return nil, errMissing("messages")
	}
	var list []json.RawMessage
	if e := asKind("messages", raw, kindArray, &list); e != nil {
		return nil, e
	}
	if len(list) == 0 {
		return nil, errEmptyArray("messages")
	}
	out := make([]message, 0, len(list))
	for i, item := range list {
		m, e := parseMessage("messages["+itoa(i)+"]", item)
		if e != nil {
			return nil, e
		}
		out = append(out, m)
	}
	return out, nil
}

func parseMessage(p string, raw json.RawMessage) (message, *apiError) {
	var m message
	var o object
	if e := asKind(p, raw, kindObject, &o); e != nil {
		return m, e
	}
	role, e := requiredString(o, "role", p+".role")
	if e != nil {
		return m, e
	}
	known := false
	for _, r := range roles {
		known = known || r == role
	}
	if !known {
		return m, errValue(p+".role", role, roles...)
	}
	m.Role = role

	if role == "assistant" {
		if m.ToolCalls, e = parseToolCalls(p+".tool_calls", o); e != nil {
			return m, e
		}
	}
	_, hasFunctionCall := o.get("function_call")
	contentOptional := role == "assistant" && (len(m.ToolCalls) > 0 || hasFunctionCall)
	craw, ok := o.get("content")
	switch {
	case !ok && !contentOptional:
		return m, errMissing(p + ".content")
	case ok:
		if m.Text, e = parseContent(p+".content", role, craw); e != nil {
			return m, e
		}
	}
	switch role {
	case "tool":
		if m.ToolCallID, e = requiredString(o, "tool_call_id", p+".tool_call_id"); e != nil {
			return m, e
		}
	case "function":
		if _, e = requiredString(o, "name", p+".name"); e != nil {
			return m, e
		}
	}
	return m, nil
}

// parseContent accepts a string or a non-empty array of parts, and returns
// the text it carries.
func parseContent(p, role string, raw json.RawMessage) (string, *apiError) {
	if kindOf(raw) == kindString {
		var s string
		_ = json.Unmarshal(raw, &s)
		return s, nil
	}
	var parts []json.RawMessage
	if kindOf(raw) != kindArray || json.Unmarshal(raw, &parts) != nil {
		return "", invalidContentType(p, raw)
	}
	if len(parts) == 0 {
		return "", errEmptyArray(p)
	}
	allowed := partTypes[role]
	if allowed == nil {
		return "", invalidContentType(p, raw) // a function message's content is a string
	}
	var text strings.Builder
	for i, part := range parts {
		pp := p + "[" + itoa(i) + "]"
		var po object
		if e := asKind(pp, part, kindObject, &po); e != nil {
			return "", e
		}
		typ, e := requiredString(po, "type", pp+".type")
		if e != nil {
			return "", e
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == typ
		}
		if !ok {
			return "", errValue(pp+".type", typ, allowed...)
		}
		if typ == "text" || typ == "refusal" {
			s, e := requiredString(po, typ, pp+"."+typ)
			if e != nil {
				return "", e
			}
			text.WriteString(s)
		}
	}
	return text.String(), nil
}

func invalidContentType(p string, raw json.RawMessage) *apiError {
	return invalid("Invalid type for '"+p+"': expected one of a string or array of objects, but got "+kindOf(raw).phrase()+" instead.",
		p, "invalid_type")
}

// parseToolCalls reads an assistant message's optional tool_calls.
func parseToolCalls(p string, o object) ([]toolCall, *apiError) {
	raw, ok := o.get("tool_calls")
	if !ok {
		return nil, nil
	}
	var list []json.RawMessage
	if e := asKind(p, raw, kindArray, &list); e != nil {
		return nil, e
	}
	out := make([]toolCall, 0, len(list))
	for i, item := range list {
		ip := p + "[" + itoa(i) + "]"
		var tc object
		if e := asKind(ip, item, kindObject, &tc); e != nil {
			return nil, e
		}
		id, e := requiredString(tc, "id", ip+".id")
		if e != nil {
			return nil, e
		}
		typ, e := requiredString(tc, "type", ip+".type")
		if e != nil {
			return nil, e
		}
		if typ != "function" {
			return nil, errValue(ip+".type", typ, "function")
		}
		fraw, ok := tc.get("function")
		if !ok {
			return nil, errMissing(ip + ".function")
		}
		var fn object
		if e := asKind(ip+".function", fraw, kindObject, &fn); e != nil {
			return nil, e
		}
		name, e := requiredString(fn, "name", ip+".function.name")
		if e != nil {
			return nil, e
		}
		args, e := requiredString(fn, "arguments", ip+".function.arguments")
		if e != nil {
			return nil, e
		}
		out = append(out, toolCall{ID: id, Name: name, Arguments: args})
	}
	return out, nil
}
