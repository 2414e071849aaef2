package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Stats is a snapshot of what a provider has received.
type Stats struct {
	// Requests counts requests as they arrive, on every path.
	Requests int64 `json:"requests"`
	// Faulted counts requests that a fault applied to (see Fault.Share).
	Faulted int64 `json:"faulted"`
	// InFlight is the number of requests whose handler has not returned.
	InFlight int64 `json:"in_flight"`
	// ByStatus counts requests by the HTTP status they were answered with,
	// when their handler returns. Status 0 counts requests that never got
	// a status line: reset, hung until the client left, client gone.
	ByStatus map[int]int64 `json:"by_status"`
	// ByPath counts requests by URL path as they arrive.
	ByPath map[string]int64 `json:"by_path"`
	// Recent holds the last requests (Options.Recent), oldest first.
	Recent []Recorded `json:"recent,omitempty"`
}

// Recorded is one request as the provider received it.
type Recorded struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Query is the URL's raw query (Azure's api-version rides there).
	Query string `json:"query,omitempty"`
	// Model and Stream are read from the body when it is a JSON object
	// with such fields, and on the Bedrock paths from the path (the model
	// id, and whether the operation streams); otherwise they are zero.
	Model  string `json:"model,omitempty"`
	Stream bool   `json:"stream,omitempty"`
	// Status is the HTTP status answered, 0 while in flight or if none
	// was sent.
	Status  int         `json:"status"`
	Faulted bool        `json:"faulted,omitempty"`
	Header  http.Header `json:"header"`
	// BodySize is the number of body bytes received.
	BodySize int `json:"body_size"`
	// Body is the body exactly as received.
	Body []byte `json:"body,omitempty"`
}

// recorder counts and keeps recent requests. A mutex is enough: the
// simulator's request path is not the gateway's.
type recorder struct {
	mu       sync.Mutex // guards everything below
	limit    int
	requests int64
	faults   int64
	inFlight int64
	byStatus map[int]int64
	byPath   map[string]int64
	ring     []*entry // up to limit entries; oldest at next once full
	next     int
	gen      uint64        // bumped by reset: answers to older requests are not counted
	changed  chan struct{} // closed and replaced whenever counts change
}

type entry struct {
	Recorded
	gen uint64
}

func newRecorder(limit int) recorder {
	return recorder{limit: limit, byStatus: map[int]int64{}, byPath: map[string]int64{}, changed: make(chan struct{})}
}

func (rc *recorder) begin(r *http.Request, body []byte, now time.Time) *entry {
	var peek struct {
		Model  string `json:"model"`
		Stream bool   `json:"stream"`
	}
	_ = json.Unmarshal(body, &peek) // best effort: wrong types leave zero values
	if op, ok := parseBedrockPath(r.URL.Path); ok {
		peek.Model, peek.Stream = op.model, op.stream()
	}
	e := &entry{Recorded: Recorded{
		Time: now, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Model: peek.Model, Stream: peek.Stream,
		Header: r.Header.Clone(), BodySize: len(body), Body: body,
	}}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e.gen = rc.gen
	rc.requests++
	rc.inFlight++
	rc.notify()
	rc.byPath[e.Path]++
	if len(rc.ring) < rc.limit {
		rc.ring = append(rc.ring, e)
	} else {
		rc.ring[rc.next] = e
		rc.next = (rc.next + 1) % rc.limit
	}
	return e
}

func (rc *recorder) faulted(e *entry) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e.Faulted = true
	if e.gen == rc.gen {
		rc.faults++
	}
}

func (rc *recorder) finish(e *entry, status int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e.Status = status
	rc.inFlight--
	if e.gen == rc.gen {
		rc.byStatus[status]++
	}
	rc.notify()
}

// notify wakes the waiters. Caller must hold rc.mu.
func (rc *recorder) notify() {
	close(rc.changed)
	rc.changed = make(chan struct{})
}

// wait returns when cond, evaluated under rc.mu after every change, holds,
// or with ctx's error when ctx is done first.
func (rc *recorder) wait(ctx context.Context, cond func() bool) error {
	for {
		rc.mu.Lock()
		ok, changed := cond(), rc.changed
		rc.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (rc *recorder) reset() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.gen++
	rc.requests, rc.faults, rc.next, rc.ring = 0, 0, 0, nil
	rc.byStatus = map[int]int64{}
	rc.byPath = map[string]int64{}
	rc.notify()
}

// snapshot deep-copies the state so the caller may keep and modify it.
func (rc *recorder) snapshot() Stats {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	s := Stats{
		Requests: rc.requests,
		Faulted:  rc.faults,
		InFlight: rc.inFlight,
		ByStatus: make(map[int]int64, len(rc.byStatus)),
		ByPath:   make(map[string]int64, len(rc.byPath)),
		Recent:   make([]Recorded, 0, len(rc.ring)),
	}
	for k, v := range rc.byStatus {
		s.ByStatus[k] = v
	}
	for k, v := range rc.byPath {
		s.ByPath[k] = v
	}
	for i := range rc.ring {
		r := rc.ring[(rc.next+i)%len(rc.ring)].Recorded
		r.Header = r.Header.Clone()
		r.Body = bytes.Clone(r.Body)
		s.Recent = append(s.Recent, r)
	}
	return s
}
