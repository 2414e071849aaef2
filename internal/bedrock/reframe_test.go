package bedrock

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/backstophq/backstop/internal/sse"
)

func encode(t testing.TB, msgs ...eventstream.Message) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := eventstream.NewEncoder()
	for _, m := range msgs {
		if err := enc.Encode(&buf, m); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func reframeAll(src []byte, kind StreamKind) (string, error) {
	out, err := io.ReadAll(NewReframer(bytes.NewReader(src), kind))
	return string(out), err
}

// TestWireFormatVector is the test vector of wire-formats.md §3: the chunk
// message that carries Anthropic's message_stop.
func TestWireFormatVector(t *testing.T) {
	raw := encode(t, ChunkMessage([]byte(`{"type":"message_stop"}`)))
	if len(raw) != 135 {
		t.Fatalf("message is %d bytes, want 135", len(raw))
	}
	if got := hex.EncodeToString(raw[:12]); got != "000000870000004b87ea2bf3" {
		t.Errorf("prelude %s", got)
	}
	if got := hex.EncodeToString(raw[len(raw)-4:]); got != "ba48ab22" {
		t.Errorf("message CRC %s", got)
	}
	if !bytes.Contains(raw, []byte(`{"bytes":"eyJ0eXBlIjoibWVzc2FnZV9zdG9wIn0="}`)) {
		t.Errorf("payload not as in the vector: %q", raw)
	}
	got, err := reframeAll(raw, InvokeStream)
	if err != nil || got != "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n" {
		t.Fatalf("reframed %q, %v", got, err)
	}
}

func TestReframeConverse(t *testing.T) {
	raw := encode(t,
		EventMessage("messageStart", []byte(`{"role":"assistant","p":"abcd"}`)),
		EventMessage("contentBlockDelta", []byte(`{"contentBlockIndex":0,"delta":{"text":"Hi"}}`)),
		eventstream.Message{Headers: eventstream.Headers{{Name: ":message-type", Value: eventstream.StringValue("future")}}},
		EventMessage("contentBlockDelta", []byte("{\"contentBlockIndex\":0,\n\"delta\":{\"text\":\"!\"}}")),
		ExceptionMessage(Exception{Name: "ThrottlingException", Status: 429}, "Too many requests, please wait before trying again."),
	)
	got, err := reframeAll(raw, ConverseStream)
	if err != nil {
		t.Fatal(err)
	}
	want := "event: messageStart\ndata: {\"role\":\"assistant\",\"p\":\"abcd\"}\n\n" +
		"event: contentBlockDelta\ndata: {\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}\n\n" +
		"event: contentBlockDelta\ndata: {\"contentBlockIndex\":0,\ndata: \"delta\":{\"text\":\"!\"}}\n\n" +
		"event: throttlingException\ndata: {\"__type\":\"throttlingException\",\"message\":\"Too many requests, please wait before trying again.\"}\n\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// The SSE reader gives the multi-line payload back as it was.
	rd := sse.NewReader(strings.NewReader(got))
	for range 2 {
		if _, err := rd.Next(); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := rd.Next()
	if err != nil || string(ev.Data) != "{\"contentBlockIndex\":0,\n\"delta\":{\"text\":\"!\"}}" {
		t.Fatalf("data %q, %v", ev.Data, err)
	}
}

func TestReframeInvokeException(t *testing.T) {
	for _, tc := range []struct {
		msg  eventstream.Message
		want string
	}{
		{ExceptionMessage(Exception{Name: "ThrottlingException", Status: 429}, "slow down"),
			`{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`},
		{ExceptionMessage(Exception{Name: "ModelStreamErrorException", Status: 500}, "the model broke"),
			`{"type":"error","error":{"type":"api_error","message":"the model broke"}}`},
		{ExceptionMessage(Exception{Name: "ServiceUnavailableException", Status: 503}, ""),
			`{"type":"error","error":{"type":"overloaded_error","message":"ServiceUnavailableException"}}`},
		{eventstream.Message{Headers: eventstream.Headers{
			{Name: ":message-type", Value: eventstream.StringValue("error")},
			{Name: ":error-code", Value: eventstream.StringValue("InternalFailure")},
			{Name: ":error-message", Value: eventstream.StringValue("it failed")},
		}}, `{"type":"error","error":{"type":"api_error","message":"it failed"}}`},
	} {
		got, err := reframeAll(encode(t, tc.msg), InvokeStream)
		if err != nil || got != "event: error\ndata: "+tc.want+"\n\n" {
			t.Errorf("got %q, %v; want %s", got, err, tc.want)
		}
	}
}

func TestReframeBrokenStreams(t *testing.T) {
	good := encode(t, ChunkMessage([]byte(`{"type":"message_stop"}`)))
	flipped := bytes.Clone(good)
	flipped[60] ^= 1 // inside the headers: the message CRC no longer matches
	badPrelude := bytes.Clone(good)
	badPrelude[11] ^= 1
	tooLong := bytes.Clone(good)
	tooLong[0] = 0x7f
	shortHeaders := bytes.Clone(good)
	shortHeaders[4], shortHeaders[5], shortHeaders[6], shortHeaders[7] = 0, 0, 1, 0
	for _, tc := range []struct {
		name  string
		in    []byte
		kind  StreamKind
		frame bool // a *FrameError, else io.ErrUnexpectedEOF
	}{
		{"checksum", flipped, InvokeStream, true},
		{"prelude checksum", badPrelude, InvokeStream, true},
		{"length over the limit", tooLong, InvokeStream, true},
		{"headers longer than the message", shortHeaders, InvokeStream, true},
		{"cut in the prelude", good[:7], InvokeStream, false},
		{"cut in the payload", good[:100], InvokeStream, false},
		{"cut before the CRC", good[:len(good)-4], InvokeStream, false},
		{"chunk without bytes", encode(t, EventMessage("chunk", []byte(`{"p":"x"}`))), InvokeStream, true},
		{"chunk that is not JSON", encode(t, ChunkMessage([]byte(`{not json`))), InvokeStream, true},
		{"no message type", encode(t, eventstream.Message{Payload: []byte(`{}`)}), ConverseStream, true},
		{"event name with a newline", encode(t, EventMessage("a\nb", []byte(`{}`))), ConverseStream, true},
	} {
		_, err := reframeAll(tc.in, tc.kind)
		var fe *FrameError
		if tc.frame && !errors.As(err, &fe) || !tc.frame && err != io.ErrUnexpectedEOF {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
	if got, err := reframeAll(nil, ConverseStream); got != "" || err != nil {
		t.Errorf("empty stream: %q, %v", got, err)
	}
}

// TestReframeIsLazy reads one event while the next message has not come:
// the reframer must not wait for more than the message it passes on.
func TestReframeIsLazy(t *testing.T) {
	first := encode(t, EventMessage("messageStart", []byte(`{"role":"assistant"}`)))
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write(first)
		// The second message never comes until the test closes the pipe.
	}()
	defer pw.Close()
	rd := sse.NewReader(NewReframer(pr, ConverseStream))
	ev, err := rd.Next()
	if err != nil || string(ev.Name) != "messageStart" {
		t.Fatalf("event %q, %v", ev.Name, err)
	}
}

// TestReframeOneByteReads feeds the stream a byte at a time.
func TestReframeOneByteReads(t *testing.T) {
	raw := encode(t, ChunkMessage([]byte(`{"type":"ping"}`)), ChunkMessage([]byte(`{"type":"message_stop"}`)))
	out, err := io.ReadAll(iotest.OneByteReader(NewReframer(iotest.OneByteReader(bytes.NewReader(raw)), InvokeStream)))
	if err != nil || string(out) != "event: ping\ndata: {\"type\":\"ping\"}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n" {
		t.Fatalf("%q, %v", out, err)
	}
}

// FuzzReframer feeds arbitrary bytes: the reframer must not panic, must
// end with EOF, ErrUnexpectedEOF or a *FrameError, and what it produced
// must read back as whole SSE events.
func FuzzReframer(f *testing.F) {
	f.Add(encode(f, ChunkMessage([]byte(`{"type":"message_stop"}`))), true)
	f.Add(encode(f,
		EventMessage("messageStart", []byte(`{"role":"assistant"}`)),
		EventMessage("contentBlockDelta", []byte("{\"delta\":\n{\"text\":\"x\"}}")),
		ExceptionMessage(Exception{Name: "ValidationException", Status: 400}, "bad"),
	), false)
	f.Add(encode(f, ExceptionMessage(Exception{Name: "ModelStreamErrorException", Status: 500}, "x")), true)
	f.Add([]byte{0, 0, 0, 16, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}, false)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, data []byte, invoke bool) {
		kind := ConverseStream
		if invoke {
			kind = InvokeStream
		}
		out, err := io.ReadAll(NewReframer(bytes.NewReader(data), kind))
		var fe *FrameError
		if err != nil && err != io.ErrUnexpectedEOF && !errors.As(err, &fe) {
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
		rd := sse.NewReader(bytes.NewReader(out))
		for {
			ev, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("output %q does not read back: %v", out, err)
			}
			if len(ev.Name) == 0 || !ev.HasData {
				t.Fatalf("event without a name or data in %q", out)
			}
		}
	})
}

func TestIsAnthropic(t *testing.T) {
	for model, want := range map[string]bool{
		"anthropic.claude-3-5-haiku-20241022-v1:0":                                                              true,
		"us.anthropic.claude-sonnet-4-5-20250929-v1:0":                                                          true,
		"global.anthropic.claude-sonnet-4-5-20250929-v1:0":                                                      true,
		"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0":                    true,
		"arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0": true,
		"amazon.nova-pro-v1:0":                                 false,
		"us.meta.llama3-3-70b-instruct-v1:0":                   false,
		"arn:aws:bedrock:us-east-1:1:provisioned-model/abc123": false,
		"anthropic":              false,
		"eu.mistral.anthropic.x": false,
	} {
		if got := IsAnthropic(model); got != want {
			t.Errorf("IsAnthropic(%q) = %v", model, got)
		}
	}
}
