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
//     "event: <:exception-type>" (throttlingException, ...) with its JSON
//     payload ({"message": ...}) as data on a Converse stream, and an
//     Anthropic "error" event of the matching type on an Invoke stream.
package bedrock
