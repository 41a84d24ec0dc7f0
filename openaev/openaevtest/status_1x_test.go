package openaevtest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestStatuses1x: a 1.x platform (1.18.19) parses execution_status with
// valueOf over its own ExecutionTraceStatus, which has no TIMEOUT and no
// INVALID_USAGE (2.4.0 has both): such a "complete" is never processed
// (the inject stays PENDING), a 500 on the synchronous ingestion (the
// IllegalArgumentException no handler of 1.x's RestBehavior takes);
// ERROR, SUCCESS and INFO are.
func TestStatuses1x(t *testing.T) {
	tests := []struct {
		status, action string
		legacy         bool
		code           int
		outcome        string
		inject         string
	}{
		{"TIMEOUT", "complete", false, 200, openaevtest.Dropped, "PENDING"},
		{"INVALID_USAGE", "complete", false, 200, openaevtest.Dropped, "PENDING"},
		{"TIMEOUT", "complete", true, 500, openaevtest.Dropped, "PENDING"},
		{"INVALID_USAGE", "complete", true, 500, openaevtest.Dropped, "PENDING"},
		{"ERROR", "complete", false, 200, openaevtest.Processed, "ERROR"},
		{"ERROR", "complete", true, 200, openaevtest.Processed, "ERROR"},
		{"SUCCESS", "complete", false, 200, openaevtest.Processed, "SUCCESS"},
		{"INFO", "command_execution", false, 200, openaevtest.Processed, "PENDING"},
	}
	for _, tt := range tests {
		name := tt.status
		if tt.legacy {
			name += " legacy"
		}
		t.Run(name, func(t *testing.T) {
			opts := []openaevtest.Option{openaevtest.WithVersionString("1.18.19")}
			if tt.legacy {
				opts = append(opts, openaevtest.WithLegacyIngestion())
			}
			p := platformWithNmap(t, opts...)
			b, _ := json.Marshal(callback(tt.action, tt.status, nil))
			if st, _ := post(t, p, "/api/injects/execution/callback/i1", token, "application/json", b); st != tt.code {
				t.Fatalf("status %d, want %d", st, tt.code)
			}
			calls := p.Calls("i1")
			c := calls[len(calls)-1]
			if tt.code == http.StatusOK && c.Outcome != tt.outcome {
				t.Errorf("outcome %s (%s), want %s", c.Outcome, c.Reason, tt.outcome)
			}
			if got := p.InjectStatus("i1"); got != tt.inject {
				t.Errorf("inject status %s, want %s", got, tt.inject)
			}
		})
	}
}
