package openaevtest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestBlankFindingFailsTheBatch (rules 4, 14): 2.4.0's Finding.value is
// @NotBlank, and its processors render "", "   ", "\"\"", a list of empty
// strings (" "), and an object or a list as a text or a port ("") blank:
// the insert fails validation at the commit, the batch's transaction
// rolls back, and every callback of the batch (its worker group) loses
// its findings, the traces and statuses written as it ran kept (the
// stand-in stored them, an object as its JSON). U+00A0 is not blank (String.trim keeps it), U+0001 is, and JSON
// null is the finding "null".
func TestBlankFindingFailsTheBatch(t *testing.T) {
	for _, tt := range []struct {
		name  string
		doc   string // the structured output: action_output is text, ports port (isMultiple)
		blank bool
	}{
		{"empty", `{"action_output":""}`, true},
		{"spaces", `{"action_output":"   "}`, true},
		{"control chars", `{"action_output":"\u0001\t"}`, true},
		{"two quotes", `{"action_output":"\"\""}`, true},
		{"a list of empties", `{"action_output":["",""]}`, true},
		{"an object as text", `{"action_output":{"a":1}}`, true},
		{"a port item empty", `{"ports":[22,""]}`, true},
		{"a port item an object", `{"ports":[22,{"p":1}]}`, true},
		{"a no-break space", `{"action_output":"\u00a0"}`, false},
		{"null", `{"action_output":null}`, false},
		{"text", `{"action_output":"a","ports":[22]}`, false},
		{"no ports", `{"ports":[]}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t, openaevtest.WithVersion(openaevtest.Version24), openaevtest.WithHeldIngestion())
			receive(t, p, "i9") // i1's worker group
			var doc map[string]any
			if err := json.Unmarshal([]byte(tt.doc), &doc); err != nil {
				t.Fatal(err)
			}
			postCallback(t, p, "i9", nmapResult("10.0.0.9", 443))
			postCallback(t, p, "i1", callback("complete", "SUCCESS", doc))
			if n := p.Ingest(); n != 2 {
				t.Fatalf("settled %d, want 2", n)
			}
			last := func(id string) openaevtest.Call { calls := p.Calls(id); return calls[len(calls)-1] }
			c, other := last("i1"), last("i9")
			if !tt.blank {
				if !c.Processed() || !other.Processed() {
					t.Fatalf("i1 %s %s, i9 %s %s: want both processed", c.Outcome, c.Reason, other.Outcome, other.Reason)
				}
				return
			}
			if c.Outcome != openaevtest.Dropped || !strings.Contains(c.Reason, "@NotBlank") {
				t.Errorf("i1: %s %q, want dropped for a blank finding", c.Outcome, c.Reason)
			}
			if other.Outcome != openaevtest.Dropped || !strings.Contains(other.Reason, "a callback of inject i1 failed") {
				t.Errorf("i9, in the same batch: %s %q, want dropped with it", other.Outcome, other.Reason)
			}
			for _, id := range []string{"i1", "i9"} {
				if st, n := injectRead(t, p, id); st != "SUCCESS" || n != 1 || len(p.StoredFindings(id)) != 0 {
					t.Errorf("%s after the rollback: %s, %d COMPLETE traces, %d findings", id, st, n, len(p.StoredFindings(id)))
				}
			}
		})
	}
}

// TestBlankFindingLegacy: the legacy ingestion's transaction fails alike,
// an exception no handler of RestBehavior takes: 500, no finding stored,
// the trace and status written outside the transaction kept.
func TestBlankFindingLegacy(t *testing.T) {
	p := platformWithNmap(t, openaevtest.WithVariant(openaevtest.Version24, true))
	st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", callback("complete", "SUCCESS", map[string]any{"action_output": " "}))
	if st != 500 {
		t.Errorf("answered %d, want 500", st)
	}
	if n := len(p.StoredFindings("i1")); n != 0 || p.InjectStatus("i1") != "SUCCESS" {
		t.Errorf("%d findings stored, inject %s", n, p.InjectStatus("i1"))
	}
}
