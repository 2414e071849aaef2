// Package tokens is the gateway's one estimate of how many tokens a text
// is, used where the real count is not known before the provider answers:
// routing by context window and POST /v1/messages/count_tokens. The two
// share it so that a prompt that count_tokens says fits is routed as if
// it fits.
//
// The estimate is the byte count of the prompt's JSON (messages, system
// prompt and tool definitions, as the client sent them) divided by four,
// rounded up. English text runs at about four characters a token in every
// current tokenizer; the JSON around the text and any base64 image data
// make the estimate err high, which is the safe side for a context-window
// check. It costs nothing: the parsers know each value's span already.
package tokens

// BytesPerToken is how many bytes of request JSON the estimate counts as
// one token.
const BytesPerToken = 4

// Estimate returns the estimated tokens of n bytes of request JSON.
func Estimate(n int) int {
	if n <= 0 {
		return 0
	}
	return (n + BytesPerToken - 1) / BytesPerToken
}
