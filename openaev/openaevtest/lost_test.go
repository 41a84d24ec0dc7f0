package openaevtest_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestOutputsStoredWhenTheTraceIsLost: 2.4.0 processes a callback's
// outputs before it writes its trace (InjectExecutionService.java:112,
// then :114), and the status's absence marks no transaction rollback-only.
// A SUCCESS "complete" for an inject without a status (after its
// requeues) is lost, no trace, no new status, but the platform stores its
// findings all the same. One whose message holds U+0000 stores nothing:
// the trace, added to the status's traces before its insert failed, is
// inserted again at the batch's commit (CascadeType.ALL), which fails and
// rolls back. The legacy ingestion runs it in one transaction: nothing
// stored, the U+0000 a 500 (no handler of RestBehavior takes the
// RuntimeException), the missing status a 200 before the outputs.
func TestOutputsStoredWhenTheTraceIsLost(t *testing.T) {
	doc := map[string]any{"ports": []any{22}}
	tests := []struct {
		name    string
		legacy  bool
		reset   bool // the inject has no status (ResetInject)
		message string
		answer  int
		stored  bool   // the port finding stored
		status  string // the inject's status afterwards
	}{
		{"U+0000 in the message: the commit rolls back", false, false, "scan\x00done", 200, false, "PENDING"},
		{"no status", false, true, "m", 200, true, ""},
		{"U+0000 in the message, legacy", true, false, "scan\x00done", http.StatusInternalServerError, false, "PENDING"},
		{"no status, legacy: a trace", true, true, "m", 200, false, ""},
		{"a message stored: the control", false, false, "scan done", 200, true, "SUCCESS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t, openaevtest.WithVariant(openaevtest.Version24, tt.legacy))
			action := "complete"
			if tt.reset {
				p.ResetInject("i1")
				if tt.legacy {
					action = "command_execution" // a "complete" is a 409 there, before anything
				}
			}
			body := callback(action, "SUCCESS", doc)
			body["execution_message"] = tt.message
			postJSON(t, p, "/api/injects/execution/callback/i1", body)
			calls := p.Calls("i1")
			c := calls[len(calls)-1]
			if c.Status != tt.answer {
				t.Fatalf("answered %d (%s), want %d", c.Status, c.Reason, tt.answer)
			}
			rows := p.StoredFindings("i1")
			got := slices.ContainsFunc(rows, func(r openaevtest.FindingRow) bool {
				return r.Type == "port" && r.Value == "22" && r.Field == "ports"
			})
			if got != tt.stored {
				t.Errorf("stored findings %+v: the port stored %v, want %v", rows, got, tt.stored)
			}
			if got := p.InjectStatus("i1"); got != tt.status {
				t.Errorf("inject status %q, want %q", got, tt.status)
			}
			if tt.name == "a message stored: the control" {
				if !c.Processed() {
					t.Errorf("outcome %s (%s), want processed", c.Outcome, c.Reason)
				}
				return
			}
			var traces int
			if r := readStatus(t, p, "i1"); r.Status != nil {
				traces = len(r.Status.Traces)
			}
			if c.Processed() || traces != 0 {
				t.Errorf("outcome %s (%s), %d traces: want the callback lost, no trace", c.Outcome, c.Reason, traces)
			}
		})
	}
}

// TestNoContractLosesEveryCallback: 2.4.0 loses every callback of an
// inject without a contract, its trace and its "complete" alike
// (InjectService.getValueTargetedAssetMap's orElseThrow, before anything
// is stored); its reception is taken. The legacy ingestion answers 500.
func TestNoContractLosesEveryCallback(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		p := openaevtest.NewPlatform(t, token, openaevtest.WithVariant(openaevtest.Version24, legacy))
		p.AddInject("i0", "")
		if st, _ := postJSON(t, p, "/api/injects/execution/reception/i0", map[string]any{"tracking_total_count": 1}); st != 200 {
			t.Fatalf("legacy %v: reception %d, want 200", legacy, st)
		}
		want := 200
		if legacy {
			want = http.StatusInternalServerError
		}
		for _, body := range []map[string]any{callback("command_execution", "INFO", nil), callback("complete", "SUCCESS", map[string]any{})} {
			postJSON(t, p, "/api/injects/execution/callback/i0", body)
			calls := p.Calls("i0")
			c := calls[len(calls)-1]
			if c.Status != want || c.Processed() || !contains(c.Reason, "no contract") {
				t.Errorf("legacy %v, %v: answered %d, %s (%s); want %d, the callback lost", legacy, body["execution_action"], c.Status, c.Outcome, c.Reason, want)
			}
		}
		r := readStatus(t, p, "i0")
		if r.Status == nil || r.Status.Name != "PENDING" || len(r.Status.Traces) != 0 {
			t.Errorf("legacy %v: inject status %+v, want PENDING without a trace", legacy, r.Status)
		}
	}
}
