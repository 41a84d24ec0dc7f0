package openaevtest_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestSignatureEnvelopeNulls: the platform refuses nothing in an
// expectation_signatures envelope. AbstractExecutionProcessingHandler
// .dispatchToProcessors hands a JSON null to the processor as a NullNode
// (only a missing key is skipped), and SignatureOutputProcessor.process
// reads the envelope with JsonNode.path: "targets" not an array returns at
// once, a target's "signature_values" not an array is skipped, a group's
// expectation_type read with asText(null), its "values" not an array gives
// no signature (extractSignatures), and readText returns null on a null
// or missing node. So each of these nulls stores nothing and the callback
// is processed, its status and other outputs kept; a well-formed target
// next to a broken one is still stored.
func TestSignatureEnvelopeNulls(t *testing.T) {
	const good = `{"signature_target":{"asset":"a1"},"signature_values":[{"expectation_type":"DETECTION",` +
		`"values":[{"signature_type":"target_ipv4_address","signature_value":"10.0.0.1"}]}]}`
	tests := []struct {
		name, envelope string
		want           []string
	}{
		{"envelope null", `null`, nil},
		{"targets null", `{"targets":null}`, nil},
		{"targets a string", `{"targets":"a1"}`, nil},
		{"envelope a list", `[` + good + `]`, nil},
		{"envelope a string", `"targets"`, nil},
		{"a null target", `{"targets":[null]}`, nil},
		{"a string target", `{"targets":["a1"]}`, nil},
		{"signature_target null", `{"targets":[{"signature_target":null,"signature_values":[{"expectation_type":"DETECTION","values":[{"signature_type":"hostname","signature_value":"h"}]}]}]}`, nil},
		{"signature_values null", `{"targets":[{"signature_target":{"asset":"a1"},"signature_values":null}]}`, nil},
		{"a null group", `{"targets":[{"signature_target":{"asset":"a1"},"signature_values":[null]}]}`, nil},
		{"expectation_type null", `{"targets":[{"signature_target":{"asset":"a1"},"signature_values":[{"expectation_type":null,"values":[{"signature_type":"hostname","signature_value":"h"}]}]}]}`, nil},
		{"values null", `{"targets":[{"signature_target":{"asset":"a1"},"signature_values":[{"expectation_type":"DETECTION","values":null}]}]}`, nil},
		{"a null value", `{"targets":[{"signature_target":{"asset":"a1"},"signature_values":[{"expectation_type":"DETECTION","values":[null]}]}]}`, nil},
		{"a null target next to a good one", `{"targets":[null,"x",` + good + `]}`, []string{"a1/target_ipv4_address=10.0.0.1"}},
		// readText keeps a null value node as its text, "null".
		{"signature_value null", `{"targets":[{"signature_target":{"asset":"a1"},"signature_values":[{"expectation_type":"DETECTION","values":[{"signature_type":"hostname","signature_value":null}]}]}]}`,
			[]string{"a1/hostname=null"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t)
			var env any
			if err := json.Unmarshal([]byte(tt.envelope), &env); err != nil {
				t.Fatal(err)
			}
			c := postCallback(t, p, "i1", callback("complete", "SUCCESS", map[string]any{"expectation_signatures": env}))
			if !c.Processed() {
				t.Fatalf("outcome %s (%s), want processed", c.Outcome, c.Reason)
			}
			var got []string
			for _, s := range p.Signatures("i1")["DETECTION"] {
				got = append(got, s.Asset+"/"+s.Type+"="+s.Value)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("stored %v, want %v", got, tt.want)
			}
			if st := p.InjectStatus("i1"); st != "SUCCESS" && st != "EXECUTED" {
				t.Errorf("inject status %s after a processed SUCCESS complete", st)
			}
		})
	}
}

// TestValidateOutputTakesAnySignatureEnvelope: ValidateOutput, which says
// whether the platform drops a callback for an output's value, passes any
// expectation_signature value (SignatureOutputProcessor throws on none).
func TestValidateOutputTakesAnySignatureEnvelope(t *testing.T) {
	for _, v := range []any{nil, map[string]any{"targets": nil}, []any{}, "x", 1.0, map[string]any{"targets": []any{nil, "x"}}} {
		if err := openaevtest.ValidateOutput(openaevtest.Current, "expectation_signature", false, v); err != nil {
			t.Errorf("ValidateOutput(%#v) = %v, want nil", v, err)
		}
	}
}
