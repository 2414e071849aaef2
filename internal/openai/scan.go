package openai

import "github.com/backstophq/backstop/internal/jsonscan"

// eachMember calls fn for every member of the top-level JSON object in
// data (valid JSON), with the member's key and the span of its value,
// until fn returns an error, which it returns.
func eachMember(data []byte, fn func(key []byte, start, end int) *RequestError) *RequestError {
	var err *RequestError
	object := jsonscan.Members(data, func(key []byte, start, end int) bool {
		err = fn(key, start, end)
		return err == nil
	})
	if !object {
		return &RequestError{Message: "The request body must be a JSON object."}
	}
	return err
}
