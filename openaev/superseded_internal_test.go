package openaev

import (
	"encoding/json"
	"testing"
)

// TestSupersededData: a superseded "complete" becomes a "data" callback
// carrying its signature targets, and nothing else, only when it has
// some; otherwise it is dropped.
func TestSupersededData(t *testing.T) {
	const targets = `{"targets":[{"signature_target":{"asset":"a1"},"signature_values":[{"expectation_type":"DETECTION","values":[{"signature_type":"target_ipv4_address","signature_value":"192.0.2.1"}]}]}]}`
	complete := func(structured string) []byte {
		b, _ := json.Marshal(Execution{Message: "nmap on 2 targets: succeeded", Status: StatusSuccess, Action: ActionComplete,
			Duration: 7, OutputStructured: structured})
		return b
	}
	tests := []struct {
		name string
		body []byte
		ok   bool
	}{
		{"signatures and findings", complete(`{"ports":[22],"expectation_signatures":` + targets + `,"z":"<x>"}`), true},
		{"no structured output", complete(""), false},
		{"no signatures", complete(`{"ports":[22]}`), false},
		{"no signature target", complete(`{"expectation_signatures":{"targets":[]}}`), false},
		{"structured output not JSON", complete(`{`), false},
		{"a data callback", []byte(`{"execution_message":"m","execution_status":"SUCCESS","execution_action":"data","execution_output_structured":"{\"expectation_signatures\":` + jsonEscape(targets) + `}"}`), false},
		{"not JSON", []byte(`{`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, ok := supersededData(tt.body)
			if ok != tt.ok {
				t.Fatalf("ok %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			var e Execution
			if err := json.Unmarshal(data, &e); err != nil {
				t.Fatalf("%v: %s", err, data)
			}
			var doc map[string]json.RawMessage
			if err := json.Unmarshal([]byte(e.OutputStructured), &doc); err != nil {
				t.Fatal(err)
			}
			if e.Action != ActionData || e.Status != StatusSuccess || e.Duration != 7 || e.Message == "" ||
				len(doc) != 1 || string(doc[FieldExpectationSignatures]) != targets {
				t.Errorf("data callback %s", data)
			}
		})
	}
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
