// Package gemini holds what the gateway itself needs of Google's Gemini
// API (wire-formats.md §4): reading its error bodies, and telling a
// stream chunk's content from its preamble. The translation of requests,
// answers and streams is internal/translate's.
package gemini
