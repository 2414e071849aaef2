package gateway

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestReadAnswer(t *testing.T) {
	const answer = `{"id":"chatcmpl-1","choices":[]}`
	tests := []struct {
		name    string
		length  int64
		body    string
		want    string
		wantErr error
	}{
		{"announced", int64(len(answer)), answer, answer, nil},
		{"not announced", -1, answer, answer, nil},
		{"announced, cut short", int64(len(answer)) + 10, answer, "", io.ErrUnexpectedEOF},
		{"announced past the presized limit", presizeAnswer + 1, answer, answer, nil},
		{"empty", 0, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{ContentLength: tt.length, Body: io.NopCloser(strings.NewReader(tt.body))}
			got, err := readAnswer(resp)
			if !errors.Is(err, tt.wantErr) || string(got) != tt.want {
				t.Fatalf("readAnswer = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
