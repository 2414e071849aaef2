package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/backstophq/backstop/internal/route"
)

// Table is the shared routing table as published: a versioned JSON
// document. Versions only grow (see NextVersion); a gateway applies a
// table only if its version is above the one it has.
type Table struct {
	Version uint64 `json:"version"`
	// PublishedAt is when the checker published it, in Unix nanoseconds,
	// so that a gateway can measure the publish → applied delay.
	PublishedAt int64 `json:"published_at"`
	// Publisher identifies the checker that published it.
	Publisher string `json:"publisher"`
	// Token is the publisher's fencing token (its lease epoch).
	Token uint64 `json:"token"`
	// Routes maps route name → target name → entry.
	Routes map[string]map[string]Entry `json:"routes"`
}

// Entry is one target of one route.
type Entry struct {
	Weight float64 `json:"weight"`
	Score  float64 `json:"score"`
	Reason string  `json:"reason,omitempty"`
	Down   bool    `json:"down,omitempty"`
}

// MaxTableBytes bounds an encoded table: a ConfigMap holds at most 1 MiB,
// and a gateway refuses anything larger before parsing it.
const MaxTableBytes = 1 << 20

// maxVersion keeps versions exact in Redis's Lua numbers (doubles).
const maxVersion = 1 << 53

// ErrBadTable is wrapped by every Decode error.
var ErrBadTable = errors.New("fleet: bad routing table")

// Encode writes t as JSON.
func Encode(t *Table) ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return json.Marshal(t)
}

// Decode reads and checks a table. Unknown fields are ignored, so that a
// newer checker can add some without breaking older gateways.
func Decode(b []byte) (*Table, error) {
	if len(b) > MaxTableBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrBadTable, len(b), MaxTableBytes)
	}
	var t Table
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadTable, err)
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	return &t, nil
}

// check refuses what no checker publishes.
func (t *Table) check() error {
	if t.Version == 0 || t.Version >= maxVersion {
		return fmt.Errorf("%w: version %d is not in [1, 2^53)", ErrBadTable, t.Version)
	}
	if t.Routes == nil {
		return fmt.Errorf("%w: no routes", ErrBadTable)
	}
	for r, targets := range t.Routes {
		for name, e := range targets {
			if !(e.Weight >= 0) || math.IsInf(e.Weight, 0) {
				return fmt.Errorf("%w: %s/%s: weight %v is not a finite number >= 0", ErrBadTable, r, name, e.Weight)
			}
			if !(e.Score >= 0 && e.Score <= 1) {
				return fmt.Errorf("%w: %s/%s: score %v is not in [0, 1]", ErrBadTable, r, name, e.Score)
			}
		}
	}
	return nil
}

// Shared converts t to what route.Router.ApplyShared takes.
func (t *Table) Shared() route.Shared {
	s := make(route.Shared, len(t.Routes))
	for r, targets := range t.Routes {
		m := make(map[string]route.SharedTarget, len(targets))
		for name, e := range targets {
			m[name] = route.SharedTarget{Weight: e.Weight, Score: e.Score, Reason: e.Reason, Down: e.Down}
		}
		s[r] = m
	}
	return s
}

// FromShared builds a table's routes from a computed route.Shared.
func FromShared(s route.Shared) map[string]map[string]Entry {
	out := make(map[string]map[string]Entry, len(s))
	for r, targets := range s {
		m := make(map[string]Entry, len(targets))
		for name, e := range targets {
			m[name] = Entry{Weight: e.Weight, Score: e.Score, Reason: e.Reason, Down: e.Down}
		}
		out[r] = m
	}
	return out
}
