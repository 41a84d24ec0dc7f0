package openaevtest_test

import (
	"fmt"
	"testing"
)

// TestSignatureTextAsTheProcessorReadsIt: the platform's
// SignatureOutputProcessor reads a signature's type and value, and a
// target's ids, with its readText: the first of the keys (signature_type,
// type; signature_value, value; agent_id, agent…) whose value node has
// text (StringUtils.hasText), so a value blank to Java (spaces, a tab,
// U+2003) is dropped, or passed over for the alias, while a no-break space
// is text; and it reads the expectation type trimmed and upper-cased. The
// stand-in stored blank values, attached them to a blank agent, and
// dropped a " detection " group.
func TestSignatureTextAsTheProcessorReadsIt(t *testing.T) {
	tests := []struct {
		name   string
		target map[string]any
		etype  any
		value  map[string]any
		want   string // Agent/Asset Type=Value stored, "" for none
	}{
		{"a value", map[string]any{"asset": "a1"}, "DETECTION",
			map[string]any{"signature_type": "process_name", "signature_value": "nmap"}, "/a1 process_name=nmap"},
		{"a blank value", map[string]any{"asset": "a1"}, "DETECTION",
			map[string]any{"signature_type": "process_name", "signature_value": "   "}, ""},
		{"a tab", map[string]any{"asset": "a1"}, "DETECTION",
			map[string]any{"signature_type": "command_line", "signature_value": "\t"}, ""},
		{"an em space", map[string]any{"asset": "a1"}, "DETECTION",
			map[string]any{"signature_type": "file_name", "signature_value": "\u2003"}, ""},
		{"a no-break space is text", map[string]any{"asset": "a1"}, "DETECTION",
			map[string]any{"signature_type": "file_name", "signature_value": "\u00a0"}, "/a1 file_name=\u00a0"},
		{"an empty value", map[string]any{"asset": "a1"}, "DETECTION",
			map[string]any{"signature_type": "process_name", "signature_value": ""}, ""},
		{"a blank type", map[string]any{"asset": "a1"}, "DETECTION",
			map[string]any{"signature_type": " ", "signature_value": "x"}, ""},
		{"a blank value passed over for value", map[string]any{"asset": "a1"}, "DETECTION",
			map[string]any{"signature_type": "process_name", "signature_value": " ", "value": "nmap"}, "/a1 process_name=nmap"},
		{"the type and value aliases", map[string]any{"asset": "a1"}, "DETECTION",
			map[string]any{"type": "hostname", "value": "web01"}, "/a1 hostname=web01"},
		{"a null value is its text", map[string]any{"asset": "a1"}, "DETECTION",
			map[string]any{"signature_type": "hostname", "signature_value": nil}, "/a1 hostname=null"},
		{"a list value is none", map[string]any{"asset": "a1"}, "DETECTION",
			map[string]any{"signature_type": "hostname", "signature_value": []any{"web01"}}, ""},
		{"a blank agent is none", map[string]any{"agent": " ", "asset": "a1"}, "DETECTION",
			map[string]any{"signature_type": "hostname", "signature_value": "web01"}, "/a1 hostname=web01"},
		{"a blank agent_id passed over for agent", map[string]any{"agent_id": "\t", "agent": "ag1"}, "DETECTION",
			map[string]any{"signature_type": "hostname", "signature_value": "web01"}, "ag1/ hostname=web01"},
		{"only blank ids: no target", map[string]any{"agent": " ", "asset": "\n"}, "DETECTION",
			map[string]any{"signature_type": "hostname", "signature_value": "web01"}, ""},
		{"the expectation type trimmed and upper-cased", map[string]any{"asset": "a1"}, " detection\t",
			map[string]any{"signature_type": "hostname", "signature_value": "web01"}, "/a1 hostname=web01"},
		{"a VULNERABILITY group dropped", map[string]any{"asset": "a1"}, "vulnerability",
			map[string]any{"signature_type": "hostname", "signature_value": "web01"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t)
			doc := map[string]any{"targets": []any{map[string]any{"signature_target": tt.target,
				"signature_values": []any{map[string]any{"expectation_type": tt.etype, "values": []any{tt.value}}}}}}
			if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1",
				callback("complete", "SUCCESS", map[string]any{"expectation_signatures": doc})); st != 200 {
				t.Fatalf("callback %d", st)
			}
			if calls := p.Calls("i1"); !calls[len(calls)-1].Processed() {
				t.Fatalf("callback %s, want it processed", calls[len(calls)-1].Outcome)
			}
			var got []string
			for et, sigs := range p.Signatures("i1") {
				for _, s := range sigs {
					if et != "DETECTION" {
						t.Errorf("stored under %s: %+v", et, s)
					}
					got = append(got, fmt.Sprintf("%s/%s %s=%s", s.Agent, s.Asset, s.Type, s.Value))
				}
			}
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("stored %q, want none", got)
			case tt.want != "" && (len(got) != 1 || got[0] != tt.want):
				t.Errorf("stored %q, want %q", got, tt.want)
			}
		})
	}
}
