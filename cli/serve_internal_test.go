package cli

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/injectkit/injectkit/serve"
)

func TestCallbackPath(t *testing.T) {
	tests := []struct {
		path, kind, id string
	}{
		{"/api/injects/execution/callback/i-1", "callback", "i-1"},
		{"/api/tenants/t1/injects/execution/reception/i-2", "reception", "i-2"},
		{"/prefix/api/injects/execution/callback/a%2Fb", "callback", "a/b"},
		{"/api/injectors", "", ""},
		{"/api/injects/execution/other/i-1", "", ""},
		{"/api/injects/execution/callback", "", ""},
		{"/api/injects/execution/callback/%zz", "", ""},
	}
	for _, tt := range tests {
		kind, id := callbackPath(tt.path)
		if kind != tt.kind || id != tt.id {
			t.Errorf("callbackPath(%q) = %q, %q; want %q, %q", tt.path, kind, id, tt.kind, tt.id)
		}
	}
}

func FuzzCallbackPath(f *testing.F) {
	for _, s := range []string{"/api/injects/execution/callback/i-1", "/api/injects/execution/reception/%41",
		"/injects/execution//", "", "/api/injects/execution/callback/a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		kind, id := callbackPath(p)
		if kind != "" && kind != "callback" && kind != "reception" {
			t.Fatalf("callbackPath(%q) kind %q", p, kind)
		}
		if kind == "" && id != "" {
			t.Fatalf("callbackPath(%q) has an id without a kind", p)
		}
	})
}

func TestIsTerminal(t *testing.T) {
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"complete", `{"execution_action":"complete","execution_status":"SUCCESS"}`, true},
		{"trace", `{"execution_action":"command_execution","execution_message":"complete"}`, false},
		{"reception", `{"tracking_total_count":1}`, false},
		{"not JSON", `complete`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/api/injects/execution/callback/i", bytes.NewReader([]byte(tt.body)))
			if err != nil {
				t.Fatal(err)
			}
			if got := isTerminal(req); got != tt.want {
				t.Errorf("isTerminal = %v, want %v", got, tt.want)
			}
			// The body is still there for the real request.
			var b bytes.Buffer
			if _, err := b.ReadFrom(req.Body); err != nil || b.String() != tt.body {
				t.Errorf("isTerminal consumed the body: %q, %v", b.String(), err)
			}
		})
	}
}

func TestInjectTrackerTimesExecutionAndDelivery(t *testing.T) {
	reg := prometheus.NewRegistry()
	tr := newInjectTracker(serve.NewMetrics(reg))
	clock := time.Unix(0, 0)
	tr.now = func() time.Time { return clock }

	end := tr.begin("i-1", "noop")
	// The same inject again while the first run goes on: not timed twice.
	endDup := tr.begin("i-1", "noop")
	clock = clock.Add(3 * time.Second)
	tr.terminalAttempt("i-1")
	clock = clock.Add(2 * time.Second)
	tr.terminalAttempt("i-1") // a retry: delivery keeps running from the first attempt
	clock = clock.Add(time.Second)
	endDup()
	end()
	// An inject that never attempted its terminal callback is not timed.
	tr.begin("i-2", "noop")()

	sums := map[string]float64{}
	counts := map[string]uint64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				sums[mf.GetName()] += h.GetSampleSum()
				counts[mf.GetName()] += h.GetSampleCount()
			}
		}
	}
	if counts["injectkit_execution_duration_seconds"] != 1 || sums["injectkit_execution_duration_seconds"] != 3 {
		t.Errorf("execution: %d samples, sum %v; want 1, 3", counts["injectkit_execution_duration_seconds"], sums["injectkit_execution_duration_seconds"])
	}
	if counts["injectkit_delivery_duration_seconds"] != 1 || sums["injectkit_delivery_duration_seconds"] != 3 {
		t.Errorf("delivery: %d samples, sum %v; want 1, 3", counts["injectkit_delivery_duration_seconds"], sums["injectkit_delivery_duration_seconds"])
	}
	if len(tr.live) != 0 {
		t.Errorf("%d injects still tracked", len(tr.live))
	}
}
