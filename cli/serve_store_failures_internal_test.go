package cli

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// storeFailures returns injectkit_outbox_store_failures_total's value of
// injector gathered from reg, and whether the series is exported.
func storeFailures(t *testing.T, reg *prometheus.Registry, injector string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "injectkit_outbox_store_failures_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "injector" && l.GetValue() == injector {
					return m.GetCounter().GetValue(), true
				}
			}
		}
	}
	return 0, false
}

// A result the outbox failed to store is sent unstored and, once the
// platform takes it, acknowledged: nothing else in the metrics shows the
// outbox failed (found from outside: serve's outbox locked by flock
// during a run, the platform up, a WARN the only trace). The observer
// counts it from the delivery's error, declared at 0 for each injector
// served; a result kept in the outbox (the platform down), delivered, or
// lost with no outbox is not an outbox failure.
func TestMetricsObserverCountsResultsTheOutboxFailedToStore(t *testing.T) {
	const path = "/var/lib/injectkit/outbox.db"
	for _, tc := range []struct {
		name string
		err  error
		want float64
	}{
		{"delivered", nil, 0},
		{"full", &outbox.UnstoredError{Total: 1, Err: &outbox.FullError{Path: path, Used: 1000, Max: 1024, Need: 300}}, 1},
		{"disk full", &outbox.UnstoredError{Total: 1, Err: fmt.Errorf("outbox %s: write: %w", path, syscall.ENOSPC)}, 1},
		{"locked past its timeout, a chunk delivered", &outbox.UnstoredError{Delivered: []int{0}, Total: 2,
			Err: &outbox.LockedError{Path: path, Waited: 30 * time.Second, PID: 4242}}, 1},
		{"held by an earlier injectkit", fmt.Errorf("deliver result: %w", &outbox.HeldByOlderError{Path: path, Owner: 4242}), 1},
		{"kept in the outbox, the platform down", &runtime.StoredError{Outbox: path, Pending: 1,
			Err: errors.New("post complete: status 503")}, 0},
		{"no outbox, the platform down", errors.New("post complete: status 503"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			m := serve.NewMetrics(reg)
			m.Declare([]string{"nmap"})
			if got, ok := storeFailures(t, reg, "nmap"); !ok || got != 0 {
				t.Fatalf("injectkit_outbox_store_failures_total{injector=\"nmap\"} %v (exported: %v), want 0 from the start", got, ok)
			}
			o := metricsObserver{m: m}
			r := &runtime.Report{InjectID: "i-1", Injector: "nmap", Status: framework.StatusSuccess}
			o.OnDelivered(r, time.Second, tc.err)
			if got, _ := storeFailures(t, reg, "nmap"); got != tc.want {
				t.Errorf("after a delivery ending %v: injectkit_outbox_store_failures_total %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
