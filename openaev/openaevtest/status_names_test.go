package openaevtest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestStatusNamesAsParsed (rule 4): the Current line's
// ExecutionTraceStatus.fromName trims a status as Java's String.trim does
// (every char up to U+0020, no other space), upper-cases it with Java's
// full case mapping (ß is SS) and reads SUCCESS as EXECUTED and the four
// spellings of a success whose cleanup failed as
// EXECUTED_WITH_CLEANUP_FAILURE; anything else valueOf does not know drops
// the callback after its 200. 2.4.0's valueOf takes the names as written.
func TestStatusNamesAsParsed(t *testing.T) {
	tests := []struct {
		version openaevtest.Version
		status  string
		want    string // the trace's status; "" when dropped
	}{
		{openaevtest.Current, "SUCCESS", "EXECUTED"},
		{openaevtest.Current, " executed ", "EXECUTED"},
		{openaevtest.Current, "\x01SUCCESS\x1f", "EXECUTED"},
		{openaevtest.Current, "succeß", "EXECUTED"},
		{openaevtest.Current, "SUCCESS\u00a0", ""},
		{openaevtest.Current, "\u2003SUCCESS", ""},
		{openaevtest.Current, "SUCCESS\u0085", ""},
		{openaevtest.Current, "SUCCESS_WITH_CLEANUP_FAIL", "EXECUTED_WITH_CLEANUP_FAILURE"},
		{openaevtest.Current, "success with cleanup failure", "EXECUTED_WITH_CLEANUP_FAILURE"},
		{openaevtest.Current, "EXECUTED_WITH_CLEANUP_FAIL", "EXECUTED_WITH_CLEANUP_FAILURE"},
		{openaevtest.Current, "EXECUTED_WITH_CLEANUP_FAILURE", "EXECUTED_WITH_CLEANUP_FAILURE"},
		{openaevtest.Current, "CLEANUP_FAILURE", ""},
		{openaevtest.Version24, "SUCCESS_WITH_CLEANUP_FAIL", "SUCCESS_WITH_CLEANUP_FAIL"},
		{openaevtest.Version24, "EXECUTED_WITH_CLEANUP_FAIL", ""},
		{openaevtest.Version24, " SUCCESS", ""},
	}
	for _, tt := range tests {
		t.Run(tt.version.String()+" "+tt.status, func(t *testing.T) {
			p := platformWithNmap(t, openaevtest.WithVersion(tt.version))
			receive(t, p, "i1")
			c := postCallback(t, p, "i1", map[string]any{"execution_message": "m", "execution_status": tt.status,
				"execution_action": "command_execution"})
			if tt.want == "" {
				if c.Outcome != openaevtest.Dropped {
					t.Errorf("outcome %q, want it dropped", c.Outcome)
				}
				return
			}
			if !c.Processed() {
				t.Fatalf("outcome %q (%s), want it processed", c.Outcome, c.Reason)
			}
			if got := traceStatuses(t, p, "i1"); len(got) != 1 || got[0] != tt.want {
				t.Errorf("trace statuses %q, want [%s]", got, tt.want)
			}
		})
	}
}

// traceStatuses returns the statuses of the traces GET /api/injects/{id}
// answers.
func traceStatuses(t *testing.T, p *openaevtest.Platform, id string) []string {
	t.Helper()
	st, body := get(t, p, "/api/injects/"+id)
	var doc struct {
		Status struct {
			Traces []struct {
				Status string `json:"execution_status"`
			} `json:"status_traces"`
		} `json:"inject_status"`
	}
	if st != http.StatusOK || json.Unmarshal([]byte(body), &doc) != nil {
		t.Fatalf("GET inject %s: %d %s", id, st, body)
	}
	out := make([]string, len(doc.Status.Traces))
	for i, tr := range doc.Status.Traces {
		out[i] = tr.Status
	}
	return out
}
