package anthropic

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

// sdkAgainst returns an anthropic-sdk-go client whose every request is
// answered by h, and whose connections are closed when the test ends.
func sdkAgainst(t *testing.T, h http.HandlerFunc) sdk.Client {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return sdk.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"), option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: tr}))
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

var params = sdk.MessageNewParams{
	Model: "smart", MaxTokens: 100,
	Messages: []sdk.MessageParam{sdk.NewUserMessage(sdk.NewTextBlock("hi"))},
}

var answer = Answer{ID: MessageID("abc"), Model: "smart", Content: "All targets are busy; \"try\" again soon."}

func TestSDKReadsAnswerMessage(t *testing.T) {
	client := sdkAgainst(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer.Message())
	})
	m, err := client.Messages.New(ctx(t), params)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "msg_abc" || m.Model != "smart" || m.StopReason != sdk.StopReasonEndTurn || len(m.Content) != 1 ||
		m.Content[0].Type != "text" || m.Content[0].Text != answer.Content || m.Usage.OutputTokens != 0 {
		t.Errorf("message %s", m.RawJSON())
	}
}

func TestSDKReadsAnswerStream(t *testing.T) {
	client := sdkAgainst(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(answer.Stream())
	})
	stream := client.Messages.NewStreaming(ctx(t), params)
	defer stream.Close()
	var acc sdk.Message
	var types []string
	for stream.Next() {
		ev := stream.Current()
		types = append(types, ev.Type)
		if err := acc.Accumulate(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	want := "message_start content_block_start content_block_delta content_block_stop message_delta message_stop"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("events %s\nwant %s", got, want)
	}
	if acc.ID != "msg_abc" || acc.StopReason != sdk.StopReasonEndTurn || len(acc.Content) != 1 || acc.Content[0].Text != answer.Content {
		t.Errorf("accumulated %+v", acc)
	}
}

// Every event of the stream is classified as a gateway would see it.
func TestAnswerStreamClassifies(t *testing.T) {
	var kinds []ChunkKind
	for ev := range bytes.SplitSeq(bytes.TrimSuffix(answer.Stream(), []byte("\n\n")), []byte("\n\n")) {
		name, data, ok := bytes.Cut(ev, []byte("\ndata: "))
		if !ok || !bytes.HasPrefix(name, []byte("event: ")) {
			t.Fatalf("event %q", ev)
		}
		kinds = append(kinds, Classify(name[len("event: "):], data))
	}
	want := []ChunkKind{Preamble, Preamble, Content, Preamble, Content, DoneChunk}
	if len(kinds) != len(want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("kinds %v, want %v", kinds, want)
		}
	}
}

func TestSDKReadsWriteError(t *testing.T) {
	for _, typ := range []string{TypeInvalidRequest, TypeAuthentication, TypeRateLimit, TypeAPI, TypeOverloaded} {
		t.Run(typ, func(t *testing.T) {
			status := StatusOf(Error{Type: typ})
			client := sdkAgainst(t, func(w http.ResponseWriter, r *http.Request) {
				WriteError(w, status, Error{Type: typ, Message: "m"}, "req_7")
			})
			_, err := client.Messages.New(ctx(t), params)
			apiErr, ok := errors.AsType[*sdk.Error](err)
			if !ok {
				t.Fatalf("error %v, want *anthropic.Error", err)
			}
			if apiErr.StatusCode != status || string(apiErr.Type()) != typ || apiErr.RequestID != "req_7" {
				t.Errorf("status %d type %q request id %q", apiErr.StatusCode, apiErr.Type(), apiErr.RequestID)
			}
		})
	}
}

func TestSDKRaisesStreamError(t *testing.T) {
	client := sdkAgainst(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		s := answer.Stream()
		i := bytes.Index(s, []byte("event: content_block_stop")) // after the text
		_, _ = w.Write(s[:i])
		_, _ = w.Write(StreamError(Error{Type: TypeOverloaded, Message: "Overloaded"}))
	})
	stream := client.Messages.NewStreaming(ctx(t), params)
	defer stream.Close()
	n := 0
	for stream.Next() {
		n++
	}
	apiErr, ok := errors.AsType[*sdk.Error](stream.Err())
	if !ok || apiErr.Type() != sdk.ErrorTypeOverloadedError || n != 3 {
		t.Fatalf("after %d events: error %v, want an overloaded_error", n, stream.Err())
	}
}
