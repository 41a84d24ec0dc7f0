package cli

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
)

// executedCounts returns injectkit_injects_executed_total's values of
// injector, by status, gathered from reg.
func executedCounts(t *testing.T, reg *prometheus.Registry, injector string) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "injectkit_injects_executed_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["injector"] == injector {
				out[labels["status"]] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// A run whose report the runtime could not build reaches serve's metrics
// through its observer: counted once, as status "error" (declared at 0
// beside the outcomes), its duration observed, and no "inject failed"
// WARN, which says its injector returned failed.
func TestMetricsObserverCountsAnUnbuiltReport(t *testing.T) {
	promReg := prometheus.NewRegistry()
	m := serve.NewMetrics(promReg)
	m.Declare([]string{"query"})
	core, logs := observer.New(zap.DebugLevel)
	o := metricsObserver{m: m, log: zap.New(core)}
	if got := executedCounts(t, promReg, "query"); got[serve.StatusError] != 0 || len(got) != 5 {
		t.Fatalf("declared %v, want success, partial, failed, timeout and error at 0", got)
	}
	r := &runtime.Report{InjectID: "i-1", Injector: "query", Status: framework.StatusFailed}
	o.OnExecuted(r, time.Second, errors.New("payload: expectation_types[0]: unknown expectation type"))
	got := executedCounts(t, promReg, "query")
	if got[serve.StatusError] != 1 || got["failed"] != 0 {
		t.Errorf("counts %v, want error 1, failed 0", got)
	}
	if n := histograms(t, promReg)["injectkit_execution_duration_seconds"]; n != 1 {
		t.Errorf("%d execution durations observed, want 1", n)
	}
	if logs.Len() != 0 {
		t.Errorf("logged %v, want nothing", logs.All())
	}
	o.OnExecuted(r, time.Second, nil) // its injector returned failed
	if got := executedCounts(t, promReg, "query"); got["failed"] != 1 || got[serve.StatusError] != 1 || logs.FilterMessageSnippet("inject failed").Len() != 1 {
		t.Errorf("counts %v, logs %v; want failed 1 with its WARN", got, logs.All())
	}
}
