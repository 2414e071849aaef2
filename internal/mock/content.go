package mock

import (
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode/utf8"
)

// content makes a provider's answers. An answer depends only on the seed,
// the provider's name, the request's messages (roles, text, tool calls),
// tools, response format and max tokens, and the choice index; never on
// the model name, time or request order. So a test can compare an answer
// obtained through a gateway with one obtained directly.
type content struct {
	seed   uint64
	name   string
	tokens int  // length of a text answer
	prefix bool // text answers start with "[name]"
	// noTools answers text even when the request offers tools.
	noTools bool
}

// answer is one choice. A text answer streams one piece per content chunk;
// a tool call streams a header chunk, then one chunk per argument piece.
type answer struct {
	Pieces []string    // text pieces, each a token; nil for a tool call
	Call   *toolAnswer // nil for text
	Finish string      // "stop", "length" or "tool_calls"
}

type toolAnswer struct {
	ID, Name string
	Args     []string // the arguments JSON, in pieces
}

// Text is the whole answer text ("" for a tool call).
func (a answer) Text() string { return strings.Join(a.Pieces, "") }

// Tokens is the number of completion tokens the answer counts.
func (a answer) Tokens() int {
	if a.Call != nil {
		return len(a.Call.Args)
	}
	return len(a.Pieces)
}

// vocabulary is what text answers are made of.
var vocabulary = strings.Fields(`alpha amber anchor arrow aspen atlas beacon birch bolt breeze
bridge cedar cinder cobalt comet coral delta drift ember falcon fern flint frost garnet glacier
harbor hazel helix indigo iris jade juniper kestrel lantern lark lumen maple meadow mesa nimbus
oak onyx orbit pebble pine prism quartz raven reef ridge sable sage signal slate solstice spruce
summit tide timber vale willow zephyr`)

// answer makes choice number choice of the answer to req.
func (c content) answer(req *chatRequest, choice int) answer {
	rng := rand.New(rand.NewPCG(c.hash(req, choice), c.seed))
	last := req.Messages[len(req.Messages)-1]
	var a answer
	switch {
	case len(req.Tools) > 0 && req.ToolChoice != "none" && last.Role == "user" && !c.noTools:
		a.Call = c.toolCall(rng, req)
		a.Finish = "tool_calls"
		if req.MaxTokens > 0 && len(a.Call.Args) > req.MaxTokens {
			a.Call.Args, a.Finish = a.Call.Args[:req.MaxTokens], "length"
		}
		return a
	case last.Role == "tool":
		a.Pieces = splitWords(c.toolResultText(req.Messages))
	case req.ResponseFormat == "json_object" || req.ResponseFormat == "json_schema":
		a.Pieces = fragments(c.jsonText(rng, req), 8)
	default:
		a.Pieces = c.words(rng)
	}
	a.Finish = "stop"
	if req.MaxTokens > 0 && len(a.Pieces) > req.MaxTokens {
		a.Pieces, a.Finish = a.Pieces[:req.MaxTokens], "length"
	}
	return a
}

// hash mixes everything an answer depends on but the seed (which seeds the
// PRNG's second word).
func (c content) hash(req *chatRequest, choice int) uint64 {
	h := fnv.New64a()
	sep := []byte{0}
	w := func(s string) { h.Write([]byte(s)); h.Write(sep) }
	w(c.name)
	for _, m := range req.Messages {
		w(m.Role)
		w(m.Text)
		w(m.ToolCallID)
		for _, tc := range m.ToolCalls {
			w(tc.Name)
			w(tc.Arguments)
		}
		h.Write([]byte{0xff})
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(choice))
	h.Write(b[:])
	return h.Sum64()
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// words is a text answer of c.tokens tokens: "[name]" (when prefixed) and
// words with their leading space, the last one ending with a period.
func (c content) words(rng *rand.Rand) []string {
	out := make([]string, 0, c.tokens)
	if c.prefix {
		out = append(out, "["+c.name+"]")
	}
	for len(out) < c.tokens {
		w := vocabulary[rng.IntN(len(vocabulary))]
		if len(out) == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		} else {
			w = " " + w
		}
		out = append(out, w)
	}
	out[len(out)-1] += "."
	return out
}

// toolResultText answers a turn that ends with tool results: it names each
// tool and quotes the start of what it returned.
func (c content) toolResultText(msgs []message) string {
	names := map[string]string{}
	for _, m := range msgs {
		for _, tc := range m.ToolCalls {
			names[tc.ID] = tc.Name
		}
	}
	first := len(msgs)
	for first > 0 && msgs[first-1].Role == "tool" {
		first--
	}
	var b strings.Builder
	if c.prefix {
		b.WriteString("[" + c.name + "] ")
	}
	for i, m := range msgs[first:] {
		name := names[m.ToolCallID]
		if name == "" {
			name = m.ToolCallID
		}
		result := strings.Fields(m.Text)
		if len(result) > 12 {
			result = append(result[:12], "…")
		}
		if len(result) == 0 {
			result = []string{"nothing"}
		}
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("The tool " + name + " returned: " + strings.Join(result, " ") + ".")
	}
	return b.String()
}

// splitWords cuts text into tokens: words with their leading space.
func splitWords(text string) []string {
	fields := strings.Fields(text)
	for i := 1; i < len(fields); i++ {
		fields[i] = " " + fields[i]
	}
	return fields
}

// fragments cuts s into pieces of at most n bytes, never inside a rune.
func fragments(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		end := min(n, len(s))
		for end < len(s) && !utf8.RuneStart(s[end]) {
			end++
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return out
}

func (c content) toolCall(rng *rand.Rand, req *chatRequest) *toolAnswer {
	t := req.Tools[0]
	for _, cand := range req.Tools {
		if cand.Name == req.ForcedTool {
			t = cand
		}
	}
	args := "{}"
	if t.Parameters != nil {
		args = schemaJSON(rng, t.Parameters)
	}
	return &toolAnswer{ID: "call_" + randomID(rng, 24), Name: t.Name, Args: fragments(args, 8)}
}

// jsonText is the answer to a request for JSON output.
func (c content) jsonText(rng *rand.Rand, req *chatRequest) string {
	if req.ResponseFormat == "json_schema" && req.Schema != nil {
		return schemaJSON(rng, req.Schema)
	}
	saved := c.prefix
	c.prefix = false
	v := map[string]any{"answer": strings.Join(c.words(rng), "")}
	if saved {
		v["provider"] = c.name
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// schemaJSON is a JSON value that fits the JSON schema: every property of an
// object, one item in an array, a value per type drawn from rng. It follows
// local $refs and takes the first choice of anyOf/oneOf.
func schemaJSON(rng *rand.Rand, schema json.RawMessage) string {
	var root map[string]any
	if json.Unmarshal(schema, &root) != nil {
		return "{}"
	}
	b, err := json.Marshal(schemaValue(rng, root, root, 0))
	if err != nil {
		return "{}"
	}
	return string(b)
}

func schemaValue(rng *rand.Rand, root, s map[string]any, depth int) any {
	if depth > 8 || s == nil {
		return nil
	}
	if ref, ok := s["$ref"].(string); ok {
		return schemaValue(rng, root, resolveRef(root, ref), depth+1)
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		if alts, ok := s[k].([]any); ok && len(alts) > 0 {
			alt, _ := alts[0].(map[string]any)
			return schemaValue(rng, root, alt, depth+1)
		}
	}
	if v, ok := s["const"]; ok {
		return v
	}
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return enum[rng.IntN(len(enum))]
	}
	switch schemaType(s) {
	case "object":
		props, _ := s["properties"].(map[string]any)
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys) // map order is random; the draws must not be
		out := make(map[string]any, len(keys))
		for _, k := range keys {
			sub, _ := props[k].(map[string]any)
			out[k] = schemaValue(rng, root, sub, depth+1)
		}
		return out
	case "array":
		items, _ := s["items"].(map[string]any)
		return []any{schemaValue(rng, root, items, depth+1)}
	case "integer":
		return clamp(s, float64(rng.IntN(100)+1))
	case "number":
		return clamp(s, float64(rng.IntN(10000))/100)
	case "boolean":
		return rng.IntN(2) == 0
	case "null":
		return nil
	default:
		return vocabulary[rng.IntN(len(vocabulary))]
	}
}

// schemaType is the schema's type: the first non-null one of a list, or
// guessed from its keywords.
func schemaType(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, v := range t {
			if name, _ := v.(string); name != "" && name != "null" {
				return name
			}
		}
	}
	if _, ok := s["properties"]; ok {
		return "object"
	}
	if _, ok := s["items"]; ok {
		return "array"
	}
	return "string"
}

func clamp(s map[string]any, v float64) float64 {
	if lo, ok := s["minimum"].(float64); ok && v < lo {
		v = lo
	}
	if hi, ok := s["maximum"].(float64); ok && v > hi {
		v = hi
	}
	return v
}

// resolveRef follows a local reference such as "#/$defs/Point".
func resolveRef(root map[string]any, ref string) map[string]any {
	if ref == "#" {
		return root
	}
	path, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	cur := root
	for _, part := range strings.Split(path, "/") {
		next, _ := cur[strings.NewReplacer("~1", "/", "~0", "~").Replace(part)].(map[string]any)
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomID(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[rng.IntN(len(idAlphabet))]
	}
	return string(b)
}

// promptTokens estimates prompt tokens as OpenAI's rule of thumb does: a
// token per four characters of message text, at least 1.
func promptTokens(msgs []message) int {
	n := 0
	for _, m := range msgs {
		n += utf8.RuneCountInString(m.Text)
		for _, tc := range m.ToolCalls {
			n += utf8.RuneCountInString(tc.Name) + utf8.RuneCountInString(tc.Arguments)
		}
	}
	return max(1, n/4)
}

// embedding is a deterministic unit vector for one input.
func (c content) embedding(input string, dims int) []float32 {
	rng := rand.New(rand.NewPCG(hashString(c.name+"\x00embedding\x00"+input), c.seed))
	v := make([]float32, dims)
	var norm float64
	for i := range v {
		x := rng.Float64()*2 - 1
		v[i] = float32(x)
		norm += x * x
	}
	norm = math.Sqrt(norm)
	if norm > 0 {
		for i := range v {
			v[i] = float32(float64(v[i]) / norm)
		}
	}
	return v
}
