package openaev

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestInjectorCompleteTraces: the reception's answer (readReceipt) and the
// inject's state (completeTraces) count the same traces as an injector's
// "complete": a COMPLETE one naming no agent (absent or null), its action
// read without case or surrounding space; one naming an agent (by id, as
// 2.4.0 writes it, or as an object) is an implant's or the pending sweep's,
// and so is the current line's sweep's agentless TIMEOUT trace.
func TestInjectorCompleteTraces(t *testing.T) {
	tests := []struct {
		name  string
		trace string
		want  bool
	}{
		{"no agent field", `{"execution_message":"m","execution_action":"COMPLETE"}`, true},
		{"agent null", `{"execution_message":"m","execution_action":"COMPLETE","agent":null}`, true},
		{"action in another case, spaced", `{"execution_message":"m","execution_action":" complete ","agent":null}`, true},
		{"an agent by id (the sweep's TIMEOUT)", `{"execution_message":"m","execution_action":"COMPLETE","agent":"ag-1"}`, false},
		{"an agent object", `{"execution_message":"m","execution_action":"COMPLETE","agent":{"agent_id":"ag-1"}}`, false},
		{"another action", `{"execution_message":"m","execution_action":"EXECUTION","agent":null}`, false},
		{"the current sweep's agentless TIMEOUT", `{"execution_message":"The inject did not complete within the 10 minutes ` +
			`threshold and was marked as timed out.","execution_action":"COMPLETE","execution_status":"TIMEOUT","agent":null}`, false},
		{"an injector's TIMEOUT", `{"execution_message":"m","execution_action":"COMPLETE","execution_status":"TIMEOUT"}`, true},
		{"the sweep's words with another status", `{"execution_message":"The inject did not complete within the 10 minutes ` +
			`threshold and was marked as timed out.","execution_action":"COMPLETE","execution_status":"ERROR"}`, true},
		{"the sweep's words without a number", `{"execution_message":"The inject did not complete within the ten minutes ` +
			`threshold and was marked as timed out.","execution_action":"COMPLETE","execution_status":"TIMEOUT"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tr statusTrace
			if err := json.Unmarshal([]byte(tt.trace), &tr); err != nil {
				t.Fatal(err)
			}
			if got := tr.injectorComplete(); got != tt.want {
				t.Errorf("injectorComplete = %v, want %v", got, tt.want)
			}
			want := map[bool]int{true: 1, false: 0}[tt.want]
			if r := readReceipt(strings.NewReader(`{"inject_status":{"status_traces":[` + tt.trace + `]}}`)); r.Completes != want {
				t.Errorf("the reception's answer counts %d, want %d", r.Completes, want)
			}
			if msgs, ok := completeTraces(json.RawMessage(`[` + tt.trace + `]`)); !ok || len(msgs) != want || (want == 1 && msgs[0] != tr.Message) {
				t.Errorf("the inject's state reads %q (%v), want %d", msgs, ok, want)
			}
		})
	}
}
