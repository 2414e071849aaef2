// Package bedrock holds what AWS Bedrock Runtime's wire format needs
// besides JSON: its exception names and statuses, and (in the provider
// adapter's files) the re-framing of its binary event streams.
//
// The gateway reads every provider stream as server-sent events. A
// Bedrock adapter therefore re-frames each event-stream message it
// receives as one SSE event, by this contract:
//
//   - an event message (":message-type" event) of a Converse stream becomes
//     "event: <:event-type>" (messageStart, contentBlockDelta, ...) with
//     the message's JSON payload as its data;
//   - a "chunk" event of an InvokeModelWithResponseStream answer carries one
//     Anthropic stream event in base64; it becomes that Anthropic event,
//     named by its "type", so that the Anthropic dialect reads it as is;
//   - an exception message (":message-type" exception) becomes
//     "event: <:exception-type>" (throttlingException, ...) with data
//     {"__type": <:exception-type>, "message": ...} on a Converse stream
//     (the name is repeated in the data, as Bedrock's error bodies carry
//     it in "__type", so that the data alone says which exception it is),
//     and an Anthropic "error" event of the matching type (by the
//     exception's status) on an Invoke stream;
//   - an error message (":message-type" error, with ":error-code" and
//     ":error-message" headers) is re-framed like an exception named by
//     its code;
//   - a message whose ":message-type" is unknown, and an Invoke stream's
//     event other than "chunk", are ignored.
//
// Reframer (reframe.go) implements it; messages.go builds the messages,
// for the simulator and tests.
package bedrock
