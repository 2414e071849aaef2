package health

import (
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/clock"
)

func BenchmarkWindowRecord(b *testing.B) {
	w := NewWindow(clock.Real{}, 0, 0)
	o := Outcome{Success: true, Latency: 1500 * time.Millisecond, TTFT: 200 * time.Millisecond}
	b.ReportAllocs()
	for b.Loop() {
		w.Record(o)
	}
}

func BenchmarkWindowRecordParallel(b *testing.B) {
	w := NewWindow(clock.Real{}, 0, 0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		o := Outcome{Success: true, Latency: 1500 * time.Millisecond, TTFT: 200 * time.Millisecond}
		for pb.Next() {
			w.Record(o)
		}
	})
}

func BenchmarkWindowSnapshot(b *testing.B) {
	w := NewWindow(clock.Real{}, 0, 0)
	for i := range 1000 {
		w.Record(Outcome{Success: true, Latency: time.Duration(i) * time.Millisecond})
	}
	b.ReportAllocs()
	for b.Loop() {
		w.Snapshot()
	}
}

func BenchmarkTallyAdd(b *testing.B) {
	t := NewTally(clock.Real{}, 0, 0)
	b.ReportAllocs()
	for b.Loop() {
		t.Add(false)
	}
}
