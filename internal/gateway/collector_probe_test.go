package gateway

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/backstophq/backstop/internal/probe"
)

// fakeProbes is a hand-written probeCounter.
type fakeProbes map[string]probe.Counts

func (f fakeProbes) Counts() map[string]probe.Counts { return f }

func TestProbeCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newProbeCollector(fakeProbes{
		"gpt":   {Sent: 10, OK: 7, Failed: 2, Skipped: 3},
		"llama": {Sent: 1, OK: 1},
	}))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[[2]string]float64{}
	for _, mf := range families {
		if mf.GetName() != "backstop_probes_total" {
			t.Errorf("unexpected family %s", mf.GetName())
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got[[2]string{labels["target"], labels["result"]}] = m.GetCounter().GetValue()
		}
	}
	want := map[[2]string]float64{
		{"gpt", "ok"}: 7, {"gpt", "failed"}: 2, {"gpt", "skipped"}: 3,
		{"llama", "ok"}: 1, {"llama", "failed"}: 0, {"llama", "skipped"}: 0,
	}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("backstop_probes_total{target=%q,result=%q} = %v (present: %v), want %v", k[0], k[1], g, ok, v)
		}
	}
}
