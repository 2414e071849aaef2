// Package translate converts chat requests, responses, streams and errors
// between provider dialects, so that a route can fail over from one
// provider to another whose wire format differs from the client's.
//
// Every dialect is a codec to and from one small canonical model of a chat
// exchange (model.go for requests and responses, stream.go for stream
// events, errors.go for errors). A translation decodes the source dialect
// into the model and encodes the model in the target dialect, so adding a
// dialect (Bedrock Converse, Gemini) means adding its codec and one entry in
// the codec table (dialect.go), without touching the others.
//
// The gateway calls this package only when a client's dialect and a
// provider's differ; the same dialect is forwarded as it is. Inputs are
// never modified; every output is a fresh byte slice.
//
// What a translation cannot carry is refused with an *Error that names the
// field, and the gateway answers 400 (or skips the target). What is carried
// only approximately (temperature ranges, JSON modes, thinking blocks) is
// listed in docs/translation.md.
package translate
