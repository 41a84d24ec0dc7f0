package serve_test

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/injectkit/injectkit/serve"
)

// gatheredAll returns a registry as cli's serve builds it (the Go and
// process collectors beside the daemon's metrics, the outbox watched),
// every series of the daemon's given a sample.
func gatheredAll(t *testing.T) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := serve.NewMetrics(reg)
	m.Declare([]string{"noop"}, 200)
	m.WatchOutbox(1<<30, func() (serve.OutboxStats, error) { return serve.OutboxStats{Pending: 1, Dead: 1, Bytes: 277}, nil }, nil)
	m.InjectReceived("noop")
	m.InjectExecuted("noop", "success")
	m.InjectCompleted("noop")
	m.InjectFailed("")
	m.ObserveExecution("noop", 1500*time.Millisecond)
	m.ObserveDelivery("noop", 20*time.Millisecond)
	m.DeliveryAttempt(0)
	m.DeliveryAttempt(400)
	m.Redelivery()
	m.HoldResult()()
	return reg
}

// What Prometheus' own linter (promtool check metrics) finds in a scrape:
// counters without _total, units not base units (seconds, bytes),
// metrics without HELP, reserved or camel-cased names.
func TestMetricsPassPromtoolLint(t *testing.T) {
	problems, err := testutil.GatherAndLint(gatheredAll(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

// Each metric of the README's table ("Health and metrics") is exported
// with the type and the labels it documents: an alert or a dashboard
// written from the README finds its series.
func TestMetricsAsTheREADMEDocumentsThem(t *testing.T) {
	mfs, err := gatheredAll(t).Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for i, mf := range mfs {
		got[mf.GetName()] = i
	}
	for _, tc := range []struct {
		name   string
		typ    string // the family's type, as dto.MetricType names it
		labels []string
	}{
		{"injectkit_injects_received_total", "COUNTER", []string{"injector"}},
		{"injectkit_injects_executed_total", "COUNTER", []string{"injector", "status"}},
		{"injectkit_injects_completed_total", "COUNTER", []string{"injector"}},
		{"injectkit_injects_failed_total", "COUNTER", []string{"injector"}},
		{"injectkit_execution_duration_seconds", "HISTOGRAM", []string{"injector"}},
		{"injectkit_delivery_duration_seconds", "HISTOGRAM", []string{"injector"}},
		{"injectkit_resend_delay_seconds", "HISTOGRAM", nil},
		{"injectkit_delivery_attempts_total", "COUNTER", []string{"status"}},
		{"injectkit_messages_total", "COUNTER", []string{"outcome"}},
		{"injectkit_redeliveries_total", "COUNTER", nil},
		{"injectkit_injects_in_flight", "GAUGE", nil},
		{"injectkit_results_held", "GAUGE", nil},
		{"injectkit_heartbeats_total", "COUNTER", []string{"result"}},
		{"injectkit_broker_connected", "GAUGE", nil},
		{"injectkit_broker_reconnects_total", "COUNTER", nil},
		{"injectkit_auth_failures_total", "COUNTER", nil},
		{"injectkit_consumption_paused", "GAUGE", nil},
		{"injectkit_outbox_bodies", "GAUGE", []string{"state"}},
		{"injectkit_outbox_bytes", "GAUGE", nil},
		{"injectkit_outbox_max_bytes", "GAUGE", nil},
	} {
		i, ok := got[tc.name]
		if !ok {
			t.Errorf("%s: not exported", tc.name)
			continue
		}
		mf := mfs[i]
		if mf.GetType().String() != tc.typ {
			t.Errorf("%s: a %s, the README's is a %s", tc.name, mf.GetType(), tc.typ)
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, lp := range m.GetLabel() {
				labels = append(labels, lp.GetName())
			}
			if !slices.Equal(labels, tc.labels) {
				t.Errorf("%s: labels %v, the README's are %v", tc.name, labels, tc.labels)
				break
			}
		}
	}
}
