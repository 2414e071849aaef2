package translate

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ from the current output")

func TestMain(m *testing.M) {
	now = func() time.Time { return time.Unix(1700000000, 0) }
	os.Exit(m.Run())
}

// Models the request translations set; goldens show them.
const (
	anthropicTarget = "claude-target"
	openAITarget    = "gpt-target"
	converseTarget  = "anthropic.claude-target-v1:0" // in the URL, never in the body
	geminiTarget    = "gemini-target"
)

// direction is one translation a case directory may exercise: its input
// file, its golden output file, and the structural checks on the output.
// A direction with a prefix runs only in the cases whose name starts with
// it, and those cases run no other direction: the gemini_* cases test the
// Gemini codec, while the older cases' refusals, which are about their own
// targets, stay theirs.
type direction struct {
	input, golden string
	run           func(in []byte) ([]byte, error)
	check         func(t *testing.T, out []byte, want *expectation)
	// toConverse: the request goes to Converse, whose refusals
	// expect.json may state apart (converse_refused_param).
	toConverse bool
	// prefix: the direction runs only in cases named with it.
	prefix string
}

var directions = []direction{
	{"openai_request.json", "anthropic_request.golden.json",
		func(in []byte) ([]byte, error) { return OpenAIToAnthropic(in, anthropicTarget) }, checkAnthropicRequest, false, ""},
	{"anthropic_request.json", "openai_request.golden.json",
		func(in []byte) ([]byte, error) { return AnthropicToOpenAI(in, openAITarget) }, checkOpenAIRequest, false, ""},
	{"anthropic_response.json", "openai_response.golden.json", AnthropicResponseToOpenAI, checkOpenAIResponse, false, ""},
	{"openai_response.json", "anthropic_response.golden.json", OpenAIResponseToAnthropic, checkAnthropicResponse, false, ""},
	{"anthropic_stream.sse", "openai_stream.golden.sse",
		func(in []byte) ([]byte, error) { return runStream(NewAnthropicToOpenAIStream(true), in) }, checkOpenAIStream, false, ""},
	{"openai_stream.sse", "anthropic_stream.golden.sse",
		func(in []byte) ([]byte, error) { return runStream(NewOpenAIToAnthropicStream(), in) }, checkAnthropicStream, false, ""},
	// Bedrock Converse: two sources share a target, so these goldens are
	// named after both.
	{"openai_request.json", "converse_request.from_openai.golden.json",
		func(in []byte) ([]byte, error) { return ConvertRequest(OpenAI, Converse, in, converseTarget) }, checkConverseRequest, true, ""},
	{"anthropic_request.json", "converse_request.from_anthropic.golden.json",
		func(in []byte) ([]byte, error) { return ConvertRequest(Anthropic, Converse, in, converseTarget) }, checkConverseRequest, true, ""},
	{"converse_response.json", "openai_response.from_converse.golden.json",
		func(in []byte) ([]byte, error) { return ConvertResponse(Converse, OpenAI, in) }, checkOpenAIResponse, false, ""},
	{"converse_response.json", "anthropic_response.from_converse.golden.json",
		func(in []byte) ([]byte, error) { return ConvertResponse(Converse, Anthropic, in) }, checkAnthropicResponse, false, ""},
	{"converse_stream.sse", "openai_stream.from_converse.golden.sse",
		func(in []byte) ([]byte, error) { return runStream(mustStream(Converse, OpenAI, true), in) }, checkOpenAIStream, false, ""},
	{"converse_stream.sse", "anthropic_stream.from_converse.golden.sse",
		func(in []byte) ([]byte, error) { return runStream(mustStream(Converse, Anthropic, false), in) }, checkAnthropicStream, false, ""},
	{"openai_request.json", "gemini_request.golden.json",
		func(in []byte) ([]byte, error) { return ConvertRequest(OpenAI, Gemini, in, geminiTarget) }, checkGeminiRequest, false, geminiCases},
	{"anthropic_request.json", "gemini_request.from_anthropic.golden.json",
		func(in []byte) ([]byte, error) { return ConvertRequest(Anthropic, Gemini, in, geminiTarget) }, checkGeminiRequest, false, geminiCases},
	{"gemini_response.json", "openai_response.from_gemini.golden.json",
		func(in []byte) ([]byte, error) { return ConvertResponse(Gemini, OpenAI, in) }, checkOpenAIResponse, false, geminiCases},
	{"gemini_response.json", "anthropic_response.from_gemini.golden.json",
		func(in []byte) ([]byte, error) { return ConvertResponse(Gemini, Anthropic, in) }, checkAnthropicResponse, false, geminiCases},
	{"gemini_stream.sse", "openai_stream.from_gemini.golden.sse",
		func(in []byte) ([]byte, error) { return runStream(mustStream(Gemini, OpenAI, true), in) }, checkOpenAIStream, false, geminiCases},
	{"gemini_stream.sse", "anthropic_stream.from_gemini.golden.sse",
		func(in []byte) ([]byte, error) { return runStream(mustStream(Gemini, Anthropic, true), in) }, checkAnthropicStream, false, geminiCases},
}

// geminiCases is the prefix of the cases of Gemini's directions.
const geminiCases = "gemini_"

func (d direction) runsIn(dir string) bool {
	if d.prefix == "" {
		return !strings.HasPrefix(dir, geminiCases)
	}
	return strings.HasPrefix(dir, d.prefix)
}

func mustStream(provider, client Dialect, includeUsage bool) Stream {
	s, err := NewStream(provider, client, includeUsage)
	if err != nil {
		panic(err)
	}
	return s
}

// expectation is a case's expect.json, written by hand: what the client
// must end up with, whatever the exact bytes. Response and stream of one
// direction must both meet it.
type expectation struct {
	// RefusedParam: the request translation must fail naming this field.
	RefusedParam string `json:"refused_param"`
	// StreamEnd: "complete" (default), "error" (an error event, no clean
	// end) or "incomplete" (End reports ErrIncomplete).
	StreamEnd string `json:"stream_end"`
	// OpenAI is what an OpenAI client accumulates.
	OpenAI *openAIAnswer `json:"openai"`
	// Anthropic is what an Anthropic client accumulates.
	Anthropic *anthropicAnswer `json:"anthropic"`
	// ToAnthropic and ToOpenAI check translated requests: a dotted path
	// into the output and its value (null: absent).
	ToAnthropic map[string]any `json:"to_anthropic"`
	ToOpenAI    map[string]any `json:"to_openai"`
	// ToConverse checks requests going to Converse, by source dialect
	// ("openai", "anthropic").
	ToConverse map[string]map[string]any `json:"to_converse"`
	// ConverseRefusedParam replaces RefusedParam for requests going to
	// Converse, by source dialect ("openai", "anthropic"); "" means not
	// refused.
	ConverseRefusedParam map[string]string `json:"converse_refused_param"`

	ToGemini map[string]any `json:"to_gemini"`

	source string // the direction's source dialect, set by forDirection
}

// forDirection is the expectation for d: Converse's own refusal, if stated.
func (e *expectation) forDirection(d direction) *expectation {
	c := *e
	c.source, _, _ = strings.Cut(d.input, "_")
	if param, ok := e.ConverseRefusedParam[c.source]; d.toConverse && ok {
		c.RefusedParam = param
	}
	return &c
}

func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases under testdata: %v", err)
	}
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || filepath.Base(dir) == "fuzz" {
			continue // testdata/fuzz holds the fuzzers' corpus
		}
		t.Run(filepath.Base(dir), func(t *testing.T) { runCase(t, dir) })
	}
}

func runCase(t *testing.T, dir string) {
	want := &expectation{}
	if raw, err := os.ReadFile(filepath.Join(dir, "expect.json")); err == nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(want); err != nil {
			t.Fatalf("expect.json: %v", err)
		}
	}
	ran := 0
	for _, d := range directions {
		if !d.runsIn(filepath.Base(dir)) {
			continue
		}
		in, err := os.ReadFile(filepath.Join(dir, d.input))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		ran++
		name := strings.TrimSuffix(d.input, filepath.Ext(d.input))
		if target, _, _ := strings.Cut(d.golden, ".golden"); !strings.HasPrefix(d.input, target) && strings.Contains(target, ".") {
			name += "→" + target // two directions read this input
		}
		t.Run(name, func(t *testing.T) {
			out := outputOf(t, d, in, want.forDirection(d))
			compareGolden(t, filepath.Join(dir, d.golden), out)
		})
	}
	if ran == 0 {
		t.Fatalf("%s has no input file", dir)
	}
}

// outputOf runs a direction and checks its output's structure. A refused
// request is written as {"refused":{param,message}}.
func outputOf(t *testing.T, d direction, in []byte, want *expectation) []byte {
	t.Helper()
	out, err := d.run(in)
	var te *Error
	switch {
	case errors.As(err, &te):
		if want.RefusedParam == "" || te.Param != want.RefusedParam {
			t.Fatalf("refused with param %q (%v); expect.json wants refused_param %q", te.Param, te, want.RefusedParam)
		}
		if te.Message == "" {
			t.Fatal("a refusal must say why")
		}
		out, _ = json.Marshal(map[string]any{"refused": map[string]string{"param": te.Param, "message": te.Message}})
		return out
	case err != nil:
		t.Fatalf("translation failed: %v", err)
	case want.RefusedParam != "" && strings.Contains(d.input, "request"):
		t.Fatalf("expected a refusal naming %q, got %s", want.RefusedParam, out)
	}
	d.check(t, out, want)
	return out
}

// compareGolden compares out with the golden file, or rewrites it with
// -update. JSON is stored indented so that a review can read it.
func compareGolden(t *testing.T, path string, out []byte) {
	t.Helper()
	if strings.HasSuffix(path, ".json") {
		var buf bytes.Buffer
		if err := json.Indent(&buf, out, "", "  "); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		buf.WriteByte('\n')
		out = buf.Bytes()
	}
	if *update {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(golden, out) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got:\n%s\n--- want:\n%s", path, out, golden)
	}
}

// sseEvent is one event of a test stream.
type sseEvent struct{ name, data string }

// parseSSE splits a stream into events: blank lines end events, "event:"
// and "data:" lines fill them, comment lines are skipped.
func parseSSE(raw []byte) []sseEvent {
	var evs []sseEvent
	text := strings.ReplaceAll(string(raw), "\r\n", "\n")
	for _, block := range strings.Split(text, "\n\n") {
		var ev sseEvent
		var data []string
		for _, line := range strings.Split(block, "\n") {
			switch {
			case strings.HasPrefix(line, "event:"):
				ev.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
			}
		}
		if len(data) > 0 {
			ev.data = strings.Join(data, "\n")
			evs = append(evs, ev)
		}
	}
	return evs
}

// runStream feeds a provider stream to s event by event, then ends it.
// Decode failures and the end's error show as SSE comment lines, so that
// goldens record them.
func runStream(s Stream, in []byte) ([]byte, error) {
	var out []byte
	for _, ev := range parseSSE(in) {
		b, err := s.Event([]byte(ev.name), []byte(ev.data))
		if err != nil {
			out = append(out, ": event error: "+err.Error()+"\n\n"...)
		}
		out = append(out, b...)
	}
	b, err := s.End()
	out = append(out, b...)
	if err != nil {
		out = append(out, ": end: "+err.Error()+"\n\n"...)
	}
	return out, nil
}
