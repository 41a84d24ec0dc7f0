package openaevtest_test

import (
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestStoredTextHoldsNoNUL: the database refuses U+0000 in the text the
// platform stores (rule 12), so such a callback is lost: whole when its
// trace holds it, its findings and signatures only (at the commit, the
// trace and status written first) when they do.
func TestStoredTextHoldsNoNUL(t *testing.T) {
	row := func(service string) []any {
		return []any{map[string]any{"asset_id": "a1", "host": "10.0.0.5", "port": 22, "service": service}}
	}
	tests := []struct {
		name    string
		version openaevtest.Version
		action  string
		status  string
		message string
		ids     []any
		doc     map[string]any
		outcome string
		inject  string // inject status afterwards
	}{
		{"complete message on 2.4.0", openaevtest.Version24, "complete", "ERROR", "Invalid query \x00 near \a token", nil, nil,
			openaevtest.Dropped, "PENDING"},
		{"complete message on Current", openaevtest.Current, "complete", "ERROR", "x\x00", nil, nil,
			openaevtest.Dropped, "PENDING"},
		{"trace message", openaevtest.Current, "command_execution", "INFO", "done\x00", nil, nil,
			openaevtest.Dropped, "PENDING"},
		{"context identifier", openaevtest.Current, "command_execution", "INFO", "m", []any{"a\x00"}, nil,
			openaevtest.Dropped, "PENDING"},
		{"U+0000 written as text is stored", openaevtest.Version24, "complete", "ERROR", `Invalid query \u0000 near`, nil, nil,
			openaevtest.Processed, "ERROR"},
		{"U+FFFD is stored", openaevtest.Version24, "complete", "ERROR", "Invalid query \ufffd near", nil, nil,
			openaevtest.Processed, "ERROR"},
		{"text finding on 2.4.0", openaevtest.Version24, "complete", "SUCCESS", "m", nil,
			map[string]any{"action_output": "<nmap>\x00</nmap>"}, openaevtest.Dropped, "SUCCESS"},
		{"portscan finding on Current", openaevtest.Current, "complete", "SUCCESS", "m", nil,
			map[string]any{"scan_results": row("ss\x00h")}, openaevtest.Dropped, "EXECUTED"},
		{"portscan finding without U+0000", openaevtest.Current, "complete", "SUCCESS", "m", nil,
			map[string]any{"scan_results": row(`ss\u0000h`)}, openaevtest.Processed, "EXECUTED"},
		{"signature value", openaevtest.Current, "complete", "SUCCESS", "m", nil,
			map[string]any{"expectation_signatures": signatureBatch("a1", [2]string{"target_hostname_address", "h\x00"})},
			openaevtest.Dropped, "EXECUTED"},
		{"signature value in a data callback", openaevtest.Current, "data", "SUCCESS", "m", nil,
			map[string]any{"expectation_signatures": signatureBatch("a1", [2]string{"target_hostname_address", "h\x00"})},
			openaevtest.Dropped, "PENDING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t, openaevtest.WithVersion(tt.version))
			body := callback(tt.action, tt.status, tt.doc)
			body["execution_message"] = tt.message
			if tt.ids != nil {
				body["execution_context_identifiers"] = tt.ids
			}
			c := postCallback(t, p, "i1", body)
			if c.Outcome != tt.outcome {
				t.Fatalf("outcome %s (%s), want %s", c.Outcome, c.Reason, tt.outcome)
			}
			if tt.outcome == openaevtest.Dropped && !contains(c.Reason, "U+0000") {
				t.Errorf("reason %q does not name U+0000", c.Reason)
			}
			if got := p.InjectStatus("i1"); got != tt.inject {
				t.Errorf("inject status %s, want %s", got, tt.inject)
			}
			if tt.outcome == openaevtest.Dropped && len(p.Signatures("i1")["DETECTION"]) > 0 {
				t.Errorf("signatures stored from a dropped callback: %v", p.Signatures("i1"))
			}
		})
	}
}
