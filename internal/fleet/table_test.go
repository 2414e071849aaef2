package fleet

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"
)

func sampleTable() *Table {
	return &Table{
		Version: 42, PublishedAt: 1_700_000_000_000_000_000, Publisher: "checker-a", Token: 7,
		Routes: map[string]map[string]Entry{
			"main": {"ta": {Weight: 0, Score: 0, Reason: "errors 100% > 2%", Down: true}, "tb": {Weight: 1, Score: 1}},
		},
	}
}

func TestTableRoundTrip(t *testing.T) {
	in := sampleTable()
	b, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip = %+v, want %+v", out, in)
	}
	s := out.Shared()
	if e := s["main"]["ta"]; !e.Down || e.Reason != "errors 100% > 2%" {
		t.Errorf("shared entry = %+v", e)
	}
	if !reflect.DeepEqual(FromShared(s), in.Routes) {
		t.Errorf("FromShared(Shared()) = %+v", FromShared(s))
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, tt := range []struct{ name, doc string }{
		{"not json", `{"version":`},
		{"no version", `{"routes":{}}`},
		{"version beyond 2^53", `{"version":9007199254740993,"routes":{}}`},
		{"no routes", `{"version":1}`},
		{"negative weight", `{"version":1,"routes":{"r":{"t":{"weight":-1,"score":1}}}}`},
		{"score above 1", `{"version":1,"routes":{"r":{"t":{"weight":1,"score":1.5}}}}`},
		{"wrong type", `{"version":"1","routes":{}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode([]byte(tt.doc)); !errors.Is(err, ErrBadTable) {
				t.Errorf("Decode(%s) = %v, want ErrBadTable", tt.doc, err)
			}
		})
	}
	big := make([]byte, MaxTableBytes+1)
	if _, err := Decode(big); !errors.Is(err, ErrBadTable) {
		t.Errorf("an oversized table: %v", err)
	}
	if _, err := Encode(&Table{Version: 1, Routes: map[string]map[string]Entry{"r": {"t": {Weight: math.NaN()}}}}); !errors.Is(err, ErrBadTable) {
		t.Errorf("Encode of a NaN weight: %v", err)
	}
}

func TestDecodeIgnoresUnknownFields(t *testing.T) {
	tb, err := Decode([]byte(`{"version":3,"routes":{},"future":{"x":1}}`))
	if err != nil || tb.Version != 3 {
		t.Fatalf("Decode = %+v, %v", tb, err)
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := Encode(sampleTable())
	for _, s := range [][]byte{good, []byte(`{"version":1,"routes":{}}`), []byte(`{}`), []byte(`null`),
		[]byte(`{"version":1,"routes":{"r":{"t":{"weight":1e308,"score":0}}}}`)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tb, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Encode(tb)
		if err != nil {
			t.Fatalf("a decoded table does not encode: %v", err)
		}
		back, err := Decode(again)
		if err != nil || !reflect.DeepEqual(back, tb) {
			t.Fatalf("re-decode = %+v, %v; want %+v", back, err, tb)
		}
	})
}

func TestNextVersion(t *testing.T) {
	now := time.UnixMilli(1_000_000)
	for _, tt := range []struct {
		name         string
		stored, last uint64
		want         uint64
	}{
		{"fresh store and leader: the time floor", 0, 0, 1_000_000},
		{"stored ahead of the clock", 2_000_000, 0, 2_000_001},
		{"store emptied, same leader", 0, 1_500_000, 1_500_001},
		{"leader behind the store", 1_700_000, 1_600_000, 1_700_001},
	} {
		if got := NextVersion(tt.stored, tt.last, now); got != tt.want {
			t.Errorf("%s: NextVersion(%d, %d) = %d, want %d", tt.name, tt.stored, tt.last, got, tt.want)
		}
	}
}
