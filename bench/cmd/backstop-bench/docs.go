package main

import (
	"bytes"
	"errors"
	"fmt"
)

// The docs file's latest results sit between these markers; the harness
// replaces what is between them and leaves the rest of the file alone.
const (
	latestBegin = "<!-- bench:latest:begin -->"
	latestEnd   = "<!-- bench:latest:end -->"
)

// replaceLatest puts report between doc's markers, saying which results
// file it came from.
func replaceLatest(doc, report []byte, name string) ([]byte, error) {
	i := bytes.Index(doc, []byte(latestBegin))
	j := bytes.Index(doc, []byte(latestEnd))
	if i < 0 || j < i {
		return nil, errors.New("no " + latestBegin + " … " + latestEnd + " section")
	}
	var out bytes.Buffer
	out.Write(doc[:i+len(latestBegin)])
	fmt.Fprintf(&out, "\n\n_From `bench/results/%s.md`, written by the harness._\n\n", name)
	out.Write(bytes.TrimSpace(report))
	out.WriteString("\n\n")
	out.Write(doc[j:])
	return out.Bytes(), nil
}

// demoteHeadings moves the report's headings two levels down, to sit
// under the docs file's own.
func demoteHeadings(md []byte) []byte {
	var out bytes.Buffer
	inCode := false
	for line := range bytes.Lines(md) {
		if bytes.HasPrefix(line, []byte("```")) {
			inCode = !inCode
		}
		if !inCode && bytes.HasPrefix(line, []byte("#")) {
			out.WriteString("##")
		}
		out.Write(line)
	}
	return out.Bytes()
}
