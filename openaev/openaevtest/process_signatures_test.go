package openaevtest_test

import (
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// signatureBatch is shaped as pyoaev's SignatureCallbackPayload, with the
// platform's type names.
func signatureBatch(asset string, values ...[2]string) map[string]any {
	var vs []any
	for _, v := range values {
		vs = append(vs, map[string]any{"signature_type": v[0], "signature_value": v[1]})
	}
	return map[string]any{"targets": []any{map[string]any{
		"signature_target": map[string]any{"asset": asset},
		"signature_values": []any{
			map[string]any{"expectation_type": "DETECTION", "values": vs},
			map[string]any{"expectation_type": "VULNERABILITY", "values": vs},
		},
	}}}
}

func TestSignatureBatches(t *testing.T) {
	p := platformWithNmap(t)
	send := func(action string, sigs map[string]any) {
		t.Helper()
		if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1",
			callback(action, "SUCCESS", map[string]any{"expectation_signatures": sigs})); st != 200 {
			t.Fatalf("%s: %d", action, st)
		}
	}
	send("complete", signatureBatch("a1", [2]string{"target_ipv4_address", "10.0.0.1"}, [2]string{"start_date", "2026-01-01T00:00:00Z"}))
	send("data", signatureBatch("a2", [2]string{"target_ipv4_address", "10.0.0.2"}))
	send("data", signatureBatch("a3", [2]string{"execution_status", "success"}, [2]string{"probe_count", "3"}))
	var got []string
	for _, s := range p.Signatures("i1")["DETECTION"] {
		got = append(got, s.Asset+"/"+s.Type+"="+s.Value)
	}
	want := []string{"a1/target_ipv4_address=10.0.0.1", "a1/start_date=2026-01-01T00:00:00Z",
		"a2/target_ipv4_address=10.0.0.2", "a3/execution_status=success", "a3/probe_count=3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored %v\nwant %v", got, want)
	}
	if b := p.CollectorBreaking(); !reflect.DeepEqual(b, []string{"execution_status", "probe_count"}) {
		t.Errorf("collector-breaking %v", b)
	}
	// A new first batch on another inject replaces nothing of i1's.
	p.AddInject("i2", nmapContractID)
	if n := len(p.Signatures("i2")); n != 0 {
		t.Errorf("i2 has %d signature groups", n)
	}
}

func TestSignaturesNeedATarget(t *testing.T) {
	p := platformWithNmap(t)
	manual := map[string]any{"targets": []any{map[string]any{"signature_target": map[string]any{},
		"signature_values": []any{map[string]any{"expectation_type": "DETECTION",
			"values": []any{map[string]any{"signature_type": "target_ipv4_address", "signature_value": "10.0.0.9"},
				map[string]any{"signature_type": "ports", "signature_value": []any{22}}}}}}}}
	agent := signatureBatch("", [2]string{"hostname", "web01"})
	agent["targets"].([]any)[0].(map[string]any)["signature_target"] = map[string]any{"agent_id": "ag1"}
	for _, doc := range []map[string]any{manual, agent} {
		postJSON(t, p, "/api/injects/execution/callback/i1", callback("data", "EXECUTED", map[string]any{"expectation_signatures": doc}))
	}
	sigs := p.Signatures("i1")["DETECTION"]
	if len(sigs) != 1 || sigs[0].Agent != "ag1" || sigs[0].Type != "hostname" {
		t.Errorf("stored %+v", sigs)
	}
}

// TestDataAfterComplete: a "data" callback on an inject already completed
// is taken and its signatures appended, in queued and legacy ingestion
// alike: the platform's InjectExecutionService checks the PENDING state
// for a "complete" only. The inject stays completed, once.
func TestDataAfterComplete(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		p := platformWithNmap(t, openaevtest.WithVariant(openaevtest.Current, legacy))
		first := callback("complete", "SUCCESS", map[string]any{"expectation_signatures": signatureBatch("a1", [2]string{"target_ipv4_address", "192.0.2.1"})})
		if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", first); st != 200 {
			t.Fatalf("legacy %v: complete %d", legacy, st)
		}
		status := p.InjectStatus("i1")
		later := callback("data", "SUCCESS", map[string]any{"expectation_signatures": signatureBatch("a2", [2]string{"target_ipv4_address", "192.0.2.2"})})
		if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", later); st != 200 {
			t.Errorf("legacy %v: data after the complete: %d, want 200", legacy, st)
		}
		var assets []string
		for _, s := range p.Signatures("i1")["DETECTION"] {
			assets = append(assets, s.Asset)
		}
		if !reflect.DeepEqual(assets, []string{"a1", "a2"}) {
			t.Errorf("legacy %v: signatures of %v stored, want a1's then a2's", legacy, assets)
		}
		if got := p.InjectStatus("i1"); got != status || got == "PENDING" || len(p.Completions("i1")) != 1 {
			t.Errorf("legacy %v: inject %s after the data (was %s), %d completions; want it completed once", legacy, got, status, len(p.Completions("i1")))
		}
	}
}

// TestExpectationSignatureTargets checks rule 5's resolution: a target
// naming an agent reaches that agent's expectations only, one naming an
// asset the asset's own, one naming an asset group the group's own.
func TestExpectationSignatureTargets(t *testing.T) {
	p := platformWithNmap(t)
	target := func(st map[string]any, value string) map[string]any {
		return map[string]any{"signature_target": st, "signature_values": []any{map[string]any{"expectation_type": "DETECTION",
			"values": []any{map[string]any{"signature_type": "target_ipv4_address", "signature_value": value}}}}}
	}
	doc := map[string]any{"targets": []any{
		target(map[string]any{"agent": "ag1", "asset": "a1", "asset_group": "g1"}, "10.0.0.1"),
		target(map[string]any{"asset_id": "a2"}, "10.0.0.2"),
		target(map[string]any{"asset_group": "g1"}, "10.0.0.3"),
	}}
	if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1",
		callback("complete", "SUCCESS", map[string]any{"expectation_signatures": doc})); st != 200 {
		t.Fatalf("complete: %d", st)
	}
	tests := []struct {
		name string
		e    openaevtest.Expectation
		want []string
	}{
		{"the named agent", openaevtest.Expectation{Agent: "ag1", Asset: "a1", AssetGroup: "g1"}, []string{"10.0.0.1"}},
		{"the named agent in another group", openaevtest.Expectation{Agent: "ag1", Asset: "a1"}, []string{"10.0.0.1"}},
		{"another agent of the asset", openaevtest.Expectation{Agent: "ag2", Asset: "a1", AssetGroup: "g1"}, nil},
		{"the asset of the named agent", openaevtest.Expectation{Asset: "a1", AssetGroup: "g1"}, nil},
		{"the named asset", openaevtest.Expectation{Asset: "a2"}, []string{"10.0.0.2"}},
		{"an agent of the named asset", openaevtest.Expectation{Agent: "ag3", Asset: "a2"}, nil},
		{"the named group", openaevtest.Expectation{AssetGroup: "g1"}, []string{"10.0.0.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range p.ExpectationSignatures("i1", tt.e)["DETECTION"] {
				got = append(got, s.Value)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("signatures of %+v = %v, want %v", tt.e, got, tt.want)
			}
		})
	}
}
