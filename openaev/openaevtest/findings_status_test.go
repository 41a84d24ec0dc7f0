package openaevtest_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestFindingsOfASuccessfulCompleteOnly: 2.4.0 reads a callback's
// structured output only for a "complete" whose status is SUCCESS
// (InjectorExecutionProcessingHandler.processContext returns first
// otherwise), so the rows of a timed-out or failed nmap run, valid or
// not, make no finding and drop nothing: the callback is processed, the
// inject finalized, no finding stored. The nmap README tells the user so.
func TestFindingsOfASuccessfulCompleteOnly(t *testing.T) {
	row := map[string]any{"asset_id": "a1", "host": "127.0.0.1", "port": 18142, "service": "http"}
	noHost := map[string]any{"port": 18142, "service": "http"} // no portscan row: drops a SUCCESS complete
	tests := []struct {
		status   string
		rows     []any
		findings int
	}{
		{"SUCCESS", []any{row}, 2},
		{"SUCCESS", []any{noHost}, 0},
		{"ERROR", []any{row}, 0},
		{"ERROR", []any{noHost}, 0},
		{"TIMEOUT", []any{row}, 0},
		{"TIMEOUT", []any{noHost}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(openaevtest.Version24))
			// Their outputs as 2.4.0 knows them (it knows no action_output).
			contract := nmapContract(func(c, _ map[string]any) {
				c["outputs"] = []any{
					map[string]any{"type": "portscan", "field": "scan_results", "isMultiple": true},
					map[string]any{"type": "port", "field": "ports", "isMultiple": true},
				}
			})
			if st, reply := register(t, p, contract); st != 200 {
				t.Fatalf("registration %d %v", st, reply)
			}
			p.AddInject("i1", "0b7f3674-ac5d-4b95-b749-6665e74a211f")
			p.AddAssets("a1")
			c := postCallback(t, p, "i1", callback("complete", tt.status, map[string]any{
				"scan_results": tt.rows, "ports": []any{18142},
			}))
			valid := tt.rows[0].(map[string]any)["host"] != nil
			if wantDropped := tt.status == "SUCCESS" && !valid; c.Processed() == wantDropped ||
				wantDropped && !strings.Contains(c.Reason, "host") {
				t.Fatalf("complete %s with rows %v: %s %s", tt.status, tt.rows, c.Outcome, c.Reason)
			}
			if got := p.StoredFindings("i1"); len(got) != tt.findings {
				t.Errorf("complete %s with rows %v: findings %v, want %d", tt.status, tt.rows, got, tt.findings)
			}
		})
	}
}
