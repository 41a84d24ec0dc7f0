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
// the insert fails validation, the batch's transaction rolls back, every
// callback of it is lost (the stand-in stored them, an object as its
// JSON). U+00A0 is not blank (String.trim keeps it), U+0001 is, and JSON
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
			receive(t, p, "i2")
			var doc map[string]any
			if err := json.Unmarshal([]byte(tt.doc), &doc); err != nil {
				t.Fatal(err)
			}
			postCallback(t, p, "i2", nmapResult("10.0.0.9", 443))
			postCallback(t, p, "i1", callback("complete", "SUCCESS", doc))
			if n := p.Ingest(); n != 2 {
				t.Fatalf("settled %d, want 2", n)
			}
			last := func(id string) openaevtest.Call { calls := p.Calls(id); return calls[len(calls)-1] }
			c, other := last("i1"), last("i2")
			if !tt.blank {
				if !c.Processed() || !other.Processed() {
					t.Fatalf("i1 %s %s, i2 %s %s: want both processed", c.Outcome, c.Reason, other.Outcome, other.Reason)
				}
				return
			}
			if c.Outcome != openaevtest.Dropped || !strings.Contains(c.Reason, "@NotBlank") {
				t.Errorf("i1: %s %q, want dropped for a blank finding", c.Outcome, c.Reason)
			}
			if other.Outcome != openaevtest.Dropped || !strings.Contains(other.Reason, "rolled back") {
				t.Errorf("i2, in the same batch: %s %q, want dropped with it", other.Outcome, other.Reason)
			}
			for _, id := range []string{"i1", "i2"} {
				if st, n := injectRead(t, p, id); st != "PENDING" || n != 0 || len(p.StoredFindings(id)) != 0 {
					t.Errorf("%s after the rollback: %s, %d COMPLETE traces, %d findings", id, st, n, len(p.StoredFindings(id)))
				}
			}
		})
	}
}

// TestBlankFindingLegacy: the legacy ingestion's transaction fails alike,
// an exception no handler of RestBehavior takes: 500, nothing stored.
func TestBlankFindingLegacy(t *testing.T) {
	p := platformWithNmap(t, openaevtest.WithVariant(openaevtest.Version24, true))
	st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", callback("complete", "SUCCESS", map[string]any{"action_output": " "}))
	if st != 500 {
		t.Errorf("answered %d, want 500", st)
	}
	if n := len(p.StoredFindings("i1")); n != 0 || p.InjectStatus("i1") != "PENDING" {
		t.Errorf("%d findings stored, inject %s", n, p.InjectStatus("i1"))
	}
}
