package serve_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
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

// readmeMetrics returns the metrics of the README's table (Health and
// metrics): each row's first cell names one or more, in backquotes, each
// with its labels in braces, "injectkit_messages_total{outcome}".
func readmeMetrics(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile("`(injectkit_[a-z_]+)(?:\\{([a-z_,]+)\\})?`")
	out := map[string][]string{}
	for line := range strings.SplitSeq(string(b), "\n") {
		if !strings.HasPrefix(line, "| `injectkit_") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " |")
		for _, m := range named.FindAllStringSubmatch(first, -1) {
			var labels []string
			if m[2] != "" {
				labels = strings.Split(m[2], ",")
			}
			out[m[1]] = labels
		}
	}
	if len(out) == 0 {
		t.Fatal("no metric found in the README's table")
	}
	return out
}

// Each metric of the README's table ("Health and metrics") is exported
// with the labels it documents, and the type it has (typ: an alert or a
// dashboard written from the README finds its series); and every metric
// of the daemon's exported is in that table. The names and labels are
// read from the README itself: a metric added, renamed or relabelled
// without it fails here.
func TestMetricsAsTheREADMEDocumentsThem(t *testing.T) {
	mfs, err := gatheredAll(t).Gather()
	if err != nil {
		t.Fatal(err)
	}
	typ := map[string]string{ // the family's type, as dto.MetricType names it
		"injectkit_injects_received_total":      "COUNTER",
		"injectkit_injects_executed_total":      "COUNTER",
		"injectkit_injects_completed_total":     "COUNTER",
		"injectkit_injects_failed_total":        "COUNTER",
		"injectkit_execution_duration_seconds":  "HISTOGRAM",
		"injectkit_delivery_duration_seconds":   "HISTOGRAM",
		"injectkit_resend_delay_seconds":        "HISTOGRAM",
		"injectkit_delivery_attempts_total":     "COUNTER",
		"injectkit_messages_total":              "COUNTER",
		"injectkit_redeliveries_total":          "COUNTER",
		"injectkit_handling_retries_total":      "COUNTER",
		"injectkit_injects_in_flight":           "GAUGE",
		"injectkit_results_held":                "GAUGE",
		"injectkit_outbox_store_failures_total": "COUNTER",
		"injectkit_heartbeats_total":            "COUNTER",
		"injectkit_broker_connected":            "GAUGE",
		"injectkit_broker_reconnects_total":     "COUNTER",
		"injectkit_auth_failures_total":         "COUNTER",
		"injectkit_consumption_paused":          "GAUGE",
		"injectkit_outbox_bodies":               "GAUGE",
		"injectkit_outbox_bytes":                "GAUGE",
		"injectkit_outbox_max_bytes":            "GAUGE",
	}
	documented := readmeMetrics(t)
	exported := map[string]bool{}
	for _, mf := range mfs {
		name := mf.GetName()
		if !strings.HasPrefix(name, "injectkit_") {
			continue // the Go runtime's and the process's collectors
		}
		exported[name] = true
		want, ok := documented[name]
		if !ok {
			t.Errorf("%s: exported, not in the README's table", name)
			continue
		}
		if got := mf.GetType().String(); got != typ[name] {
			t.Errorf("%s: a %s, want a %s", name, got, typ[name])
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, lp := range m.GetLabel() {
				labels = append(labels, lp.GetName())
			}
			if !slices.Equal(labels, want) {
				t.Errorf("%s: labels %v, the README's are %v", name, labels, want)
				break
			}
		}
	}
	for name := range documented {
		if !exported[name] {
			t.Errorf("%s: in the README's table, not exported", name)
		}
	}
}
