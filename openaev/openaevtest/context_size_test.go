package openaevtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestContextIdentifiersSize (rule 3): the Current line's
// InjectExecutionInput bounds execution_context_identifiers with
// @Size(max = 1000), so a callback naming more targets is refused at once,
// 400, RestBehavior's ValidationErrorBag naming the field with the
// constraint's message next to any blank field, and nothing of it is
// kept; 1000 entries, nulls counted, pass. 2.4.0 knows no such field and
// ignores it, whatever its length.
func TestContextIdentifiersSize(t *testing.T) {
	const sizeMsg = "execution_context_identifiers cannot exceed 1000 entries"
	ids := func(n int, withNull bool) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = fmt.Sprintf("asset-%d", i)
		}
		if withNull {
			out[0] = nil
		}
		return out
	}
	tests := []struct {
		name     string
		version  openaevtest.Version
		message  string
		ids      []any
		status   int
		children map[string]any // the bag's fields, for a 400
	}{
		{"1000 entries", openaevtest.Current, "m", ids(1000, false), http.StatusOK, nil},
		{"1000 entries, a null among them", openaevtest.Current, "m", ids(1000, true), http.StatusOK, nil},
		{"1001 entries", openaevtest.Current, "m", ids(1001, false), http.StatusBadRequest, map[string]any{
			"execution_context_identifiers": map[string]any{"errors": []any{sizeMsg}}}},
		{"1001 entries, a null among them", openaevtest.Current, "m", ids(1001, true), http.StatusBadRequest, map[string]any{
			"execution_context_identifiers": map[string]any{"errors": []any{sizeMsg}}}},
		{"1001 entries and a blank message", openaevtest.Current, " ", ids(1001, false), http.StatusBadRequest, map[string]any{
			"execution_message":             map[string]any{"errors": []any{"must not be blank"}},
			"execution_context_identifiers": map[string]any{"errors": []any{sizeMsg}}}},
		{"1001 entries on 2.4.0", openaevtest.Version24, "m", ids(1001, false), http.StatusOK, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t, openaevtest.WithVersion(tt.version))
			receive(t, p, "i1")
			st, reply := postJSON(t, p, "/api/injects/execution/callback/i1", map[string]any{
				"execution_message": tt.message, "execution_status": "INFO", "execution_action": "command_execution",
				"execution_duration": 1, "execution_context_identifiers": tt.ids})
			if st != tt.status {
				t.Fatalf("status %d (%v), want %d", st, reply, tt.status)
			}
			calls := p.Calls("i1")
			c := calls[len(calls)-1]
			if st == http.StatusOK {
				if !c.Processed() {
					t.Errorf("outcome %q (%s), want it processed", c.Outcome, c.Reason)
				}
				return
			}
			want := map[string]any{"code": 400.0, "message": "Validation Failed", "errors": map[string]any{"children": tt.children}}
			if !reflect.DeepEqual(reply, want) {
				got, _ := json.Marshal(reply)
				t.Errorf("body %s, want %v", got, want)
			}
			if c.Processed() || c.Outcome == openaevtest.Queued {
				t.Errorf("a refused callback was kept: %q", c.Outcome)
			}
			if n := tracesRead(t, p, "i1"); n != 0 {
				t.Errorf("%d traces after a refused callback, want none", n)
			}
		})
	}
}

// tracesRead returns how many traces GET /api/injects/{id} answers.
func tracesRead(t *testing.T, p *openaevtest.Platform, id string) int {
	t.Helper()
	st, body := get(t, p, "/api/injects/"+id)
	var doc struct {
		Status struct {
			Traces []json.RawMessage `json:"status_traces"`
		} `json:"inject_status"`
	}
	if st != http.StatusOK || json.Unmarshal([]byte(body), &doc) != nil {
		t.Fatalf("GET inject %s: %d %s", id, st, body)
	}
	return len(doc.Status.Traces)
}
