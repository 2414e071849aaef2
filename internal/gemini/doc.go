// Package gemini holds what the gateway itself needs of Google's Gemini
// API (wire-formats.md §4): its error bodies, how to tell a stream
// chunk's content from its preamble, and short answers in its shape. The
// translation of requests, answers and streams is internal/translate's.
package gemini
