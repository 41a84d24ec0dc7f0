package openaevtest_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestFailedBatch (rules 3, 4, 14): a batch whose transaction fails
// loses the findings of every callback of it, while the traces and
// statuses written as it ran stay (2.4.0 writes them outside the
// transaction). A finding repeating one the inject stores fails at the
// commit, its own trace and status written; a finding its processor
// refuses throws before its callback's trace and marks the whole batch
// rollback-only. Another worker group's batch is untouched.
func TestFailedBatch(t *testing.T) {
	for _, tt := range []struct {
		name        string
		failing     map[string]any // i1's second "complete", after a reception
		reason      string
		i1Completes int // i1's COMPLETE traces afterwards
	}{
		{"finding already stored", nmapResult("10.0.0.1", 22), "already stored", 2},
		{"finding its processor refuses", callback("complete", "SUCCESS", map[string]any{
			"scan_results": []any{map[string]any{"host": "10.0.0.1", "port": 22}}, // no service
		}), "rollback-only", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t, openaevtest.WithVersion(openaevtest.Version24), openaevtest.WithHeldIngestion())
			receive(t, p, "i9") // i1's worker group, 0
			receive(t, p, "i2") // group 1
			postCallback(t, p, "i1", nmapResult("10.0.0.1", 22))
			p.Ingest()
			if st, _ := postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1}); st != 200 {
				t.Fatalf("reception %d", st)
			}
			postCallback(t, p, "i9", callback("command_execution", "INFO", nil))
			postCallback(t, p, "i9", nmapResult("10.0.0.9", 443))
			postCallback(t, p, "i1", tt.failing)
			postCallback(t, p, "i2", nmapResult("10.0.0.2", 80))
			p.Ingest()

			calls := p.Calls("i1")
			failed := calls[len(calls)-1]
			if failed.Outcome != openaevtest.Dropped || !strings.Contains(failed.Reason, tt.reason) {
				t.Errorf("i1's failing complete: %s %s", failed.Outcome, failed.Reason)
			}
			st, n := injectRead(t, p, "i1")
			if wantStatus := map[bool]string{true: "SUCCESS", false: "PENDING"}[tt.i1Completes == 2]; st != wantStatus || n != tt.i1Completes {
				t.Errorf("i1: %s with %d COMPLETE traces, want %s with %d", st, n, wantStatus, tt.i1Completes)
			}
			if got := len(p.StoredFindings("i1")); got != 2 {
				t.Errorf("i1 stores %d findings, want the first run's 2", got)
			}
			for _, c := range p.Calls("i9")[1:] {
				if c.Outcome != openaevtest.Dropped || !strings.Contains(c.Reason, "a callback of inject i1 failed") {
					t.Errorf("i9's %s in the failed batch: %s %s", c.Kind, c.Outcome, c.Reason)
				}
			}
			h, _ := p.Held("i9")
			if h.Status != "SUCCESS" || len(h.Traces) != 2 || len(h.Findings) != 0 {
				t.Errorf("i9: %s, %d traces, %d findings; want SUCCESS, its 2 traces, no finding", h.Status, len(h.Traces), len(h.Findings))
			}
			other := p.Calls("i2")[1]
			if !other.Processed() || len(p.StoredFindings("i2")) != 2 {
				t.Errorf("i2 (another group): %s %s, %d findings", other.Outcome, other.Reason, len(p.StoredFindings("i2")))
			}
		})
	}
}
