package bedrock

import (
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// EventMessage is the event-stream message of event eventType with a JSON
// payload, as Bedrock sends it.
func EventMessage(eventType string, payload []byte) eventstream.Message {
	return eventstream.Message{
		Headers: eventstream.Headers{
			{Name: ":event-type", Value: eventstream.StringValue(eventType)},
			{Name: ":content-type", Value: eventstream.StringValue("application/json")},
			{Name: ":message-type", Value: eventstream.StringValue("event")},
		},
		Payload: payload,
	}
}

// ExceptionMessage is the event-stream message of exception e (its
// stream name in ":exception-type") with message as its payload.
func ExceptionMessage(e Exception, message string) eventstream.Message {
	payload, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{message})
	return eventstream.Message{
		Headers: eventstream.Headers{
			{Name: ":exception-type", Value: eventstream.StringValue(e.StreamName())},
			{Name: ":content-type", Value: eventstream.StringValue("application/json")},
			{Name: ":message-type", Value: eventstream.StringValue("exception")},
		},
		Payload: payload,
	}
}

// ChunkMessage is an Invoke stream's "chunk" message carrying one
// Anthropic stream event: {"bytes":"<base64 of event>"}.
func ChunkMessage(event []byte) eventstream.Message {
	payload, _ := json.Marshal(struct {
		Bytes []byte `json:"bytes"`
	}{event})
	return EventMessage("chunk", payload)
}
