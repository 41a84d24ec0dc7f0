package serve_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/injectkit/injectkit/serve"
)

// series returns the series of reg, each as name{label="value",…} with
// its value.
func series(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, lp := range m.GetLabel() {
				labels = append(labels, lp.GetName()+`="`+lp.GetValue()+`"`)
			}
			out[mf.GetName()+"{"+strings.Join(labels, ",")+"}"] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return out
}

// The counters whose label values are known before their first event are
// scraped at 0 from the start: rate() and increase() need a sample before
// the first event to count it.
func TestCountersStartAtZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := serve.NewMetrics(reg)
	m.Declare([]string{"nmap", "hello"}, http.StatusOK)
	got := series(t, reg)
	for _, tc := range []struct{ metric, label, value string }{
		{"injectkit_messages_total", "outcome", serve.OutcomeAcked},
		{"injectkit_messages_total", "outcome", serve.OutcomeRejected},
		{"injectkit_messages_total", "outcome", serve.OutcomeRequeued},
		{"injectkit_heartbeats_total", "result", "ok"},
		{"injectkit_heartbeats_total", "result", "error"},
		{"injectkit_delivery_attempts_total", "status", "error"},
		{"injectkit_delivery_attempts_total", "status", "200"},
		{"injectkit_injects_received_total", "injector", "nmap"},
		{"injectkit_injects_received_total", "injector", "unknown"},
		{"injectkit_injects_completed_total", "injector", "hello"},
		{"injectkit_injects_failed_total", "injector", "nmap"},
		{"injectkit_injects_failed_total", "injector", "hello"},
		{"injectkit_injects_failed_total", "injector", "unknown"},
	} {
		name := tc.metric + "{" + tc.label + `="` + tc.value + `"}`
		v, ok := got[name]
		if !ok || v != 0 {
			t.Errorf("%s before any event: present %v, value %v; want present at 0", name, ok, v)
		}
	}
	// The first event then counts from 0.
	m.InjectFailed("nmap")
	if v := series(t, reg)[`injectkit_injects_failed_total{injector="nmap"}`]; v != 1 {
		t.Errorf("failed{nmap} after one failure = %v, want 1", v)
	}
}
