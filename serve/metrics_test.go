package serve_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/testkit"
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
		{"injectkit_messages_total", "outcome", serve.OutcomeChannelClosed},
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
	// The histograms' series too: their _count and _bucket series are
	// counters, which increase() reads the same way.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	histograms := map[string]int{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil && h.GetSampleCount() == 0 {
				histograms[mf.GetName()]++
			}
		}
	}
	for _, name := range []string{"injectkit_execution_duration_seconds", "injectkit_delivery_duration_seconds"} {
		if histograms[name] != 2 {
			t.Errorf("%s before any event: %d series at 0, want one per injector served (2)", name, histograms[name])
		}
	}
	// The first event then counts from 0.
	m.InjectFailed("nmap")
	if v := series(t, reg)[`injectkit_injects_failed_total{injector="nmap"}`]; v != 1 {
		t.Errorf("failed{nmap} after one failure = %v, want 1", v)
	}
}

// The outbox gauges say what the outbox holds at each scrape, so that
// undelivered results can be alerted on (/healthz does not turn unhealthy
// for them); an outbox that cannot be read leaves them out of that scrape
// only, and says so once.
func TestOutboxGauges(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := serve.NewMetrics(reg)
	log, logs := testkit.LoggerAt(zap.WarnLevel)
	var (
		mu    sync.Mutex
		stats serve.OutboxStats
		fail  error
	)
	set := func(st serve.OutboxStats, err error) {
		mu.Lock()
		defer mu.Unlock()
		stats, fail = st, err
	}
	m.WatchOutbox(3000, func() (serve.OutboxStats, error) {
		mu.Lock()
		defer mu.Unlock()
		return stats, fail
	}, log)
	for _, st := range []serve.OutboxStats{
		{},
		{Pending: 2, Bytes: 1400},
		{Pending: 1, Dead: 1, Bytes: 1400},
	} {
		set(st, nil)
		got := series(t, reg)
		for name, want := range map[string]float64{
			`injectkit_outbox_bodies{state="pending"}`: float64(st.Pending),
			`injectkit_outbox_bodies{state="dead"}`:    float64(st.Dead),
			`injectkit_outbox_bytes{}`:                 float64(st.Bytes),
			`injectkit_outbox_max_bytes{}`:             3000,
		} {
			if v, ok := got[name]; !ok || v != want {
				t.Errorf("outbox %+v: %s = %v (present %v), want %v", st, name, v, ok, want)
			}
		}
	}
	set(serve.OutboxStats{}, errors.New("outbox /x/outbox.db: locked by pid 42"))
	for range 2 {
		got := series(t, reg)
		if _, ok := got[`injectkit_outbox_bodies{state="pending"}`]; ok {
			t.Error("outbox gauges exported from an outbox that cannot be read")
		}
		if _, ok := got[`injectkit_heartbeats_total{result="ok"}`]; !ok {
			t.Error("an unreadable outbox hides the other metrics")
		}
		if v, ok := got[`injectkit_outbox_max_bytes{}`]; !ok || v != 3000 {
			t.Errorf("an unreadable outbox: max bytes %v (present %v), want the setting, 3000", v, ok)
		}
	}
	const warned = "outbox gauges injectkit_outbox_bodies and injectkit_outbox_bytes not exported (injectkit_outbox_max_bytes still is)"
	if n := logs.FilterMessageSnippet(warned).Len(); n != 1 {
		t.Errorf("%d lines %q for an unreadable outbox scraped twice, want 1: %v", n, warned, logs.All())
	}
}

// The HELP of a metric says what it counts, as the README's table does.
func TestMetricsHelpSaysWhatIsCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	serve.NewMetrics(reg)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	help := map[string]string{}
	for _, mf := range mfs {
		help[mf.GetName()] = mf.GetHelp()
	}
	for _, tc := range []struct{ metric, says string }{
		{"injectkit_messages_total", "stored in the outbox"},
		{"injectkit_messages_total", "a redelivery acknowledged without a run"},
		{"injectkit_messages_total", "nowhere to keep it"},
		{"injectkit_auth_failures_total", "each counted once"},
		{"injectkit_injects_received_total", "cannot be decoded"},
		{"injectkit_consumption_paused", "the outbox is full"},
		{"injectkit_consumption_paused", "a process of an earlier injectkit sends bodies from the outbox"},
	} {
		if !strings.Contains(help[tc.metric], tc.says) {
			t.Errorf("HELP of %s = %q, want it to say %q", tc.metric, help[tc.metric], tc.says)
		}
	}
}

// A run that ends at its deadline lasts a little more than its --timeout:
// with the default (10m, runtime.DefaultTimeout) and with longer ones
// (nmap scans of up to half an hour, RabbitMQ's default consumer_timeout),
// it falls in a finite bucket of the execution histogram, not only in
// +Inf, where histogram_quantile cannot place it.
func TestExecutionBucketsHoldLongRuns(t *testing.T) {
	for _, d := range []time.Duration{10*time.Minute + time.Millisecond, 20 * time.Minute, 30*time.Minute + time.Millisecond} {
		reg := prometheus.NewRegistry()
		m := serve.NewMetrics(reg)
		m.ObserveExecution("nmap", d)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		finite := false
		for _, mf := range mfs {
			if mf.GetName() != "injectkit_execution_duration_seconds" {
				continue
			}
			for _, b := range mf.GetMetric()[0].GetHistogram().GetBucket() {
				finite = finite || b.GetCumulativeCount() == 1
			}
		}
		if !finite {
			t.Errorf("a run of %v is in no finite bucket of injectkit_execution_duration_seconds", d)
		}
	}
}
