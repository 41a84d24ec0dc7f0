package openaevtest_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestContractReadWhenProcessing: the platform stores contract_content
// as the string it is and reads it when it processes a callback of one of
// its injects. A content that is no JSON object, or whose fields hold one
// that is not, registers, and every callback of its injects is then lost,
// whatever it holds (InjectService.getValueTargetedAssetMap: a
// NullPointerException, a ClassCastException; 500 in the legacy
// ingestion). One without outputs drops every callback with a structured
// output (a NullPointerException; 500), but one whose structured output is
// JSON null, which the platform reads as no output before it reads the
// outputs; an output
// type given as a JSON index binds the constant at that place on 2.4.0,
// and one out of range drops the callback (400 in the legacy ingestion).
func TestContractReadWhenProcessing(t *testing.T) {
	const id = "c-1"
	tests := []struct {
		name     string
		version  openaevtest.Version
		content  string
		outputs  []string // ContractOutputs after the registration
		doc      string   // the structured output sent
		outcome  string
		legacy   int    // the legacy ingestion's answer
		findings string // a field whose finding is stored
	}{
		{"hello", openaevtest.Version24, "hello", nil, `{}`, openaevtest.Dropped, 500, ""},
		{"hello on Current", openaevtest.Current, "hello", nil, `{"x":1}`, openaevtest.Dropped, 500, ""},
		// getValueTargetedAssetMap reads the content first, for every
		// callback: an unreadable one loses them all.
		{"hello, no structured output", openaevtest.Version24, "hello", nil, ``, openaevtest.Dropped, 500, ""},
		{"hello, structured output null", openaevtest.Version24, "hello", nil, `null`, openaevtest.Dropped, 500, ""},
		{"a list", openaevtest.Version24, `[{"outputs":[]}]`, nil, ``, openaevtest.Dropped, 500, ""},
		{"a field that is no object", openaevtest.Version24, `{"fields":["targets"],"outputs":[]}`, []string{}, ``,
			openaevtest.Dropped, 500, ""},
		{"fields no list: none read", openaevtest.Version24, `{"fields":{"a":"targets"},"outputs":[{"type":"port","field":"ports","isMultiple":true}]}`,
			[]string{"port:ports"}, `{"ports":[22]}`, openaevtest.Processed, 200, "ports"},
		{"no outputs", openaevtest.Version24, `{"fields":[]}`, nil, `{}`, openaevtest.Dropped, 500, ""},
		{"no outputs, no structured output", openaevtest.Version24, `{"fields":[]}`, nil, ``, openaevtest.Processed, 200, ""},
		// readValue("null", ObjectNode.class) is null: processContext
		// returns before it reads the outputs.
		{"no outputs, structured output null", openaevtest.Version24, `{"fields":[]}`, nil, `null`, openaevtest.Processed, 200, ""},
		{"no outputs, structured output null and text", openaevtest.Current, `{"fields":[]}`, nil, ` null done`, openaevtest.Processed, 200, ""},
		{"outputs null", openaevtest.Version24, `{"outputs":null}`, []string{}, `{}`, openaevtest.Processed, 200, ""},
		{"trailing text", openaevtest.Version24, `{"outputs":[{"type":"port","field":"ports","isMultiple":true}]} v2`,
			[]string{"port:ports"}, `{"ports":[22]}`, openaevtest.Processed, 200, "ports"},
		{"type 7 is cve on 2.4.0", openaevtest.Version24, `{"outputs":[{"type":7,"field":"cves","isMultiple":"true"}]}`,
			[]string{"cve:cves"}, `{"cves":[{"id":"CVE-1","host":"h","severity":"high"}]}`, openaevtest.Processed, 200, "cves"},
		{"type 99", openaevtest.Version24, `{"outputs":[{"type":99,"field":"x"}]}`, nil, `{}`, openaevtest.Dropped, 400, ""},
		{"type 7 on Current", openaevtest.Current, `{"outputs":[{"type":7,"field":"x"}]}`, nil, `{}`, openaevtest.Dropped, 400, ""},
		// An ObjectNode keeps its members in the order written, a
		// repeated name at its first place with its last value.
		{"outputs an object, in order", openaevtest.Version24,
			`{"outputs":{"z":{"type":"port","field":"p0"},"a":{"type":"text","field":"t"},"m":{"type":"number","field":"n"},"b":{"type":"cve","field":"c"},"z":{"type":"port","field":"p"}}}`,
			[]string{"port:p", "text:t", "number:n", "cve:c"}, `{"t":"v"}`, openaevtest.Processed, 200, "t"},
		{"outputs an object, the first bad one named", openaevtest.Version24,
			`{"outputs":{"z":{"type":"nope1","field":"a"},"a":{"type":"nope2","field":"b"},"m":{"type":"nope3","field":"c"}}}`,
			[]string{"nope1:a", "nope2:b", "nope3:c"}, `{}`, openaevtest.Dropped, 400, ""},
		{"unknown property kept out", openaevtest.Version24, `{"outputs":[{"type":"text","field":"t","extra":1}]}`,
			[]string{"text:t"}, `{"t":"v"}`, openaevtest.Processed, 200, "t"},
	}
	for _, tt := range tests {
		for _, legacy := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{true: " legacy"}[legacy], func(t *testing.T) {
				p := openaevtest.NewPlatform(t, token, openaevtest.WithVariant(tt.version, legacy))
				if st, reply := register(t, p, map[string]any{"contract_id": id, "contract_content": tt.content}); st != 200 {
					t.Fatalf("registration: %d %v", st, reply)
				}
				outs, _ := p.ContractOutputs(id)
				if tt.outputs != nil && !slices.Equal(outs, tt.outputs) {
					t.Errorf("outputs %v, want %v", outs, tt.outputs)
				}
				p.AddInject("i1", id)
				postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1})
				body := callback("complete", "SUCCESS", nil)
				if tt.doc != "" {
					body["execution_output_structured"] = tt.doc
				}
				want := 200
				if legacy {
					want = tt.legacy
				}
				st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", body)
				if st != want {
					t.Fatalf("callback: %d, want %d", st, want)
				}
				calls := p.Calls("i1")
				if c := calls[len(calls)-1]; c.Outcome != tt.outcome {
					t.Errorf("outcome %q (%s), want %q", c.Outcome, c.Reason, tt.outcome)
				}
				if _, stored := p.Findings("i1")[tt.findings]; tt.findings != "" && !stored {
					t.Errorf("no %s finding stored: %v", tt.findings, p.Findings("i1"))
				}
			})
		}
	}
}

// TestOutputElementsBoundFromTree: 2.4.0 binds each output element from
// the contract's tree (treeToValue), as checked against Jackson: field is
// a String, a number its node's text (1.50 "1.5", 1E2 "100.0", -0 "0");
// labels a String[] (null, or a list of scalars); isMultiple and
// isFindingCompatible booleans (trimmed true/True/TRUE and
// false/False/FALSE, "", blank and "null" false, an integer 0 false and
// any other true; "1", a fraction, a list refused). A refused element
// drops every result with structured outputs. isMultiple is seen through
// a cve list, processed only from an output declared isMultiple.
func TestOutputElementsBoundFromTree(t *testing.T) {
	tests := []struct {
		name     string
		members  string // after "type":"cve","field":"c"; a later one wins
		field    string // the bound field, "" when the element is refused
		multiple bool
	}{
		{"plain", `"isMultiple":true`, "c", true},
		{"field a fraction", `"field":1.50,"isMultiple":true`, "1.5", true},
		{"field an exponent", `"field":1E2,"isMultiple":true`, "100.0", true},
		{"field a small fraction", `"field":0.00099,"isMultiple":true`, "9.9E-4", true},
		{"field minus zero", `"field":-0,"isMultiple":true`, "0", true},
		{"field a long integer", `"field":12345678901234567890123,"isMultiple":true`, "12345678901234567890123", true},
		{"field true", `"field":true,"isMultiple":true`, "true", true},
		{"field an object", `"field":{}`, "", false},
		{"isMultiple True, spaced", `"isMultiple":" True "`, "c", true},
		{"isMultiple TRUE", `"isMultiple":"TRUE"`, "c", true},
		{"isMultiple tRUE", `"isMultiple":"tRUE"`, "", false},
		{"isMultiple empty", `"isMultiple":""`, "c", false},
		{"isMultiple blank", `"isMultiple":"  "`, "c", false},
		{"isMultiple null text", `"isMultiple":"null"`, "c", false},
		{"isMultiple null", `"isMultiple":null`, "c", false},
		{"isMultiple 1 as text", `"isMultiple":"1"`, "", false},
		{"isMultiple 2", `"isMultiple":2`, "c", true},
		{"isMultiple 0", `"isMultiple":0`, "c", false},
		{"isMultiple 1.0", `"isMultiple":1.0`, "", false},
		{"isMultiple 1E0", `"isMultiple":1E0`, "", false},
		{"isMultiple a list", `"isMultiple":[true]`, "", false},
		{"isFindingCompatible x", `"isMultiple":true,"isFindingCompatible":"x"`, "", false},
		{"isFindingCompatible 1.0", `"isMultiple":true,"isFindingCompatible":1.0`, "", false},
		{"isFindingCompatible true, spaced", `"isMultiple":true,"isFindingCompatible":" true "`, "c", true},
		{"isFindingCompatible empty", `"isMultiple":true,"isFindingCompatible":""`, "c", true},
		{"labels null", `"isMultiple":true,"labels":null`, "c", true},
		{"labels scalars", `"isMultiple":true,"labels":["a",1.50,true,null]`, "c", true},
		{"labels a string", `"isMultiple":true,"labels":"scan"`, "", false},
		{"labels empty string", `"isMultiple":true,"labels":""`, "", false},
		{"labels an object", `"isMultiple":true,"labels":{}`, "", false},
		{"labels holding an object", `"isMultiple":true,"labels":[{}]`, "", false},
		{"labels holding a list", `"isMultiple":true,"labels":[[]]`, "", false},
		{"labels a number", `"isMultiple":true,"labels":1`, "", false},
		{"type an index", `"type":7,"isMultiple":true`, "c", true},
		{"type a fractional index", `"type":7.0,"isMultiple":true`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(openaevtest.Version24))
			content := `{"outputs":[{"type":"cve","field":"c",` + tt.members + `}]}`
			if st, reply := register(t, p, map[string]any{"contract_id": "c-1", "contract_content": content}); st != 200 {
				t.Fatalf("registration: %d %v", st, reply)
			}
			want := []string{}
			if tt.field != "" {
				want = []string{"cve:" + tt.field}
			}
			if outs, _ := p.ContractOutputs("c-1"); !slices.Equal(outs, want) {
				t.Errorf("outputs %q, want %q", outs, want)
			}
			p.AddInject("i1", "c-1")
			postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1})
			doc, _ := json.Marshal(map[string]any{tt.field: []any{map[string]any{"id": "CVE-1", "host": "h", "severity": "high"}}})
			body := callback("complete", "SUCCESS", nil)
			body["execution_output_structured"] = string(doc)
			c := postCallback(t, p, "i1", body)
			if processed := c.Outcome == openaevtest.Processed; processed != (tt.field != "" && tt.multiple) {
				t.Errorf("outcome %s (%s): element bound %v, isMultiple %v", c.Outcome, c.Reason, tt.field != "", tt.multiple)
			}
			if refused := strings.Contains(c.Reason, "contract output"); refused != (tt.field == "") {
				t.Errorf("reason %q: element refused %v", c.Reason, tt.field == "")
			}
		})
	}
}
