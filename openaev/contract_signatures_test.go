package openaev_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
)

// TestSignatureOutputOnlyWhereKept: a contract declares the
// expectation_signature output, and its callbacks carry
// expectation_signatures, only where the platform's signature processor
// could keep one: on the Current line, for an injector declaring DETECTION
// or PREVENTION (the only groups the processor applies), or no type at all
// (it takes any). An injector declaring VULNERABILITY alone (query) gets
// neither; each expectation is named as the platform names it.
func TestSignatureOutputOnlyWhereKept(t *testing.T) {
	tests := []struct {
		name    string
		types   []framework.ExpectationType
		version openaev.PlatformVersion
		want    bool
		names   string
	}{
		{"none declared", nil, current, true, ""},
		{"detection", []framework.ExpectationType{framework.Detection}, current, true, "Detection"},
		{"prevention", []framework.ExpectationType{framework.Prevention}, current, true, "Prevention"},
		{"vulnerability alone", []framework.ExpectationType{framework.Vulnerability}, current, false, "Not vulnerable"},
		{"detection and vulnerability", []framework.ExpectationType{framework.Detection, framework.Vulnerability}, current, true,
			"Detection,Not vulnerable"},
		{"2.4.0: never", []framework.ExpectationType{framework.Detection}, v24, false, "Detection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := framework.Manifest{Name: "m", Expectations: tt.types,
				Outputs: []framework.Output{{Type: "text", Field: "report"}}}
			contracts, err := offlineClient(t).Contracts([]framework.Manifest{m}, tt.version)
			if err != nil {
				t.Fatal(err)
			}
			var doc contractDoc
			if err := json.Unmarshal([]byte(contracts[0].Content), &doc); err != nil {
				t.Fatal(err)
			}
			declared := false
			for _, o := range doc.Outputs {
				declared = declared || o.Type == openaev.OutputExpectationSignature
			}
			var names []string
			for _, f := range doc.Fields {
				for _, e := range f.Predefined {
					names = append(names, e["expectation_name"].(string))
				}
			}
			if declared != tt.want || strings.Join(names, ",") != tt.names {
				t.Errorf("signature output declared %v, expectations named %v; want %v, %s", declared, names, tt.want, tt.names)
			}
			r := &runtime.Report{InjectID: "i", Output: framework.ToolOutput{Findings: map[string]any{"report": "r"}}}
			s, err := openaev.StructuredOutput(r, &m, tt.version)
			if err != nil {
				t.Fatal(err)
			}
			if sent := strings.Contains(s.JSON, openaev.FieldExpectationSignatures); sent != tt.want {
				t.Errorf("structured output %s: expectation_signatures sent %v, want %v", s.JSON, sent, tt.want)
			}
		})
	}
}
