package openaev_test

import (
	"context"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// The run's INFO trace names each target once: an address two assets
// share is listed once, with how many targets it is.
func TestRunTraceNamesASharedAddressOnce(t *testing.T) {
	tests := []struct {
		name   string
		assets []map[string]any
		want   string
	}{
		{"two assets, one address", []map[string]any{asset("asset", "a1", "", "192.0.2.7", nil),
			asset("endpoint", "a2", "db01.example.com", "", nil), asset("asset", "a3", "", "192.0.2.7", nil)},
			"Running nmap on 3 targets: 192.0.2.7 (2 targets), db01.example.com"},
		{"each address its own", []map[string]any{asset("asset", "a1", "", "192.0.2.7", nil),
			asset("endpoint", "a2", "db01.example.com", "", nil)},
			"Running nmap on 2 targets: 192.0.2.7, db01.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.register(t)
			e.nmap.open = map[string][]int{"192.0.2.7": {22}, "db01.example.com": {443}}
			body := e.message(t, "inj-shared", "nmap", map[string]any{"target_selector": "assets",
				"expectations": []map[string]any{{"expectation_type": "DETECTION"}}}, tt.assets, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			for _, c := range e.platform.Calls("inj-shared") {
				if c.Kind != openaevtest.KindTrace {
					continue
				}
				if _, perTarget := c.Body["execution_context_identifiers"]; perTarget {
					continue
				}
				if got := c.Body["execution_message"]; got != tt.want {
					t.Errorf("run's trace %q, want %q", got, tt.want)
				}
				return
			}
			t.Error("no run's trace")
		})
	}
}
