package openaevtest_test

import (
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestTargetedAssetFields: 2.4.0 resolves every targeted-asset field of an
// inject's contract before anything of a callback is stored (rule 20,
// InjectService.getValueTargetedAssetMap), whatever the callback: one it
// cannot resolve (no key, no asset ids in the inject's content, no
// targeted-property field linked to it, no property it knows) loses the
// trace and the "complete" alike, the legacy ingestion answering 400 or
// 500. Resolved, it changes nothing of an injector's callback.
func TestTargetedAssetFields(t *testing.T) {
	asset := map[string]any{"key": "ta", "type": "targeted-asset", "label": "Targets"}
	property := func(def []any, linked ...any) map[string]any {
		return map[string]any{"key": "targeted-property-ta", "type": "select", "defaultValue": def, "linkedFields": linked}
	}
	link := map[string]any{"key": "ta", "type": "targeted-asset"}
	ids := map[string]any{"ta": []any{"asset-1", "asset-2"}}
	tests := []struct {
		name    string
		fields  []any          // added to the contract's
		content map[string]any // the inject's content
		lost    string         // in the Reason; "" processed
		legacy  int            // the legacy ingestion's answer
	}{
		{"no targeted-asset field", nil, nil, "", 200},
		{"resolved from the default", []any{asset, property([]any{"seen_ip"}, link)}, ids, "", 200},
		{"resolved from the content", []any{asset, property(nil, link)}, map[string]any{"ta": []any{"asset-1"}, "targeted-property-ta": "hostname"}, "", 200},
		{"an asset id list of numbers binds as strings", []any{asset, property([]any{"local_ip"}, link)}, map[string]any{"ta": []any{1, true}}, "", 200},
		{"a targeted-asset type that is no string is no such field", []any{map[string]any{"key": "ta", "type": 3}}, nil, "", 200},
		{"no key", []any{map[string]any{"type": "targeted-asset"}}, ids, "has no key", http.StatusInternalServerError},
		{"no asset ids in the content", []any{asset, property([]any{"seen_ip"}, link)}, map[string]any{}, "no asset ids", http.StatusInternalServerError},
		{"the inject's content unknown", []any{asset, property([]any{"seen_ip"}, link)}, nil, "no asset ids", http.StatusInternalServerError},
		{"asset ids as a string", []any{asset, property([]any{"seen_ip"}, link)}, map[string]any{"ta": "asset-1"}, "no list of asset ids", http.StatusBadRequest},
		{"no property field linked", []any{asset, property([]any{"seen_ip"})}, ids, "No targeted property field found for key: ta", http.StatusBadRequest},
		{"a property field of another prefix", []any{asset, map[string]any{"key": "property-ta", "defaultValue": []any{"seen_ip"}, "linkedFields": []any{link}}}, ids,
			"No targeted property field found", http.StatusBadRequest},
		{"linked by a bare key", []any{asset, property([]any{"seen_ip"}, "ta")}, ids, "has no key", http.StatusInternalServerError},
		{"no default and none in the content", []any{asset, property(nil, link)}, ids, "no defaultValue[0]", http.StatusInternalServerError},
		{"a property of another case", []any{asset, property([]any{"Hostname"}, link)}, ids, `"Hostname" is no ContractTargetedProperty`, http.StatusBadRequest},
		{"automatic is no such property", []any{asset, property(nil, link)}, map[string]any{"ta": []any{"a"}, "targeted-property-ta": "automatic"}, "is no ContractTargetedProperty", http.StatusBadRequest},
	}
	for _, tt := range tests {
		for _, legacy := range []bool{false, true} {
			name := tt.name
			if legacy {
				name += ", legacy"
			}
			t.Run(name, func(t *testing.T) {
				p := openaevtest.NewPlatform(t, token, openaevtest.WithVariant(openaevtest.Version24, legacy))
				contract := nmapContract(func(c, e map[string]any) {
					c["fields"] = append(c["fields"].([]any), tt.fields...)
					c["outputs"] = []any{map[string]any{"type": "port", "field": "ports", "isMultiple": true}}
				})
				if st, reply := register(t, p, contract); st != 200 {
					t.Fatalf("registration %d %v", st, reply)
				}
				p.AddInject("i1", nmapContractID)
				if tt.content != nil {
					p.Message(openaevtest.QueuedInject{ID: "i1", ContractID: nmapContractID, Content: tt.content})
				}
				if st, _ := postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1}); st != 200 {
					t.Fatalf("reception %d", st)
				}
				for _, body := range []map[string]any{callback("command_execution", "INFO", nil), callback("complete", "SUCCESS", map[string]any{"ports": []any{22}})} {
					postJSON(t, p, "/api/injects/execution/callback/i1", body)
					calls := p.Calls("i1")
					c := calls[len(calls)-1]
					if tt.lost == "" {
						if !c.Processed() || c.Status != 200 {
							t.Fatalf("%v: %d %s (%s), want processed", body["execution_action"], c.Status, c.Outcome, c.Reason)
						}
						continue
					}
					want := 200
					if legacy {
						want = tt.legacy
					}
					if c.Processed() || c.Status != want || !contains(c.Reason, tt.lost) {
						t.Errorf("%v: %d %s (%s), want %d, lost: %s", body["execution_action"], c.Status, c.Outcome, c.Reason, want, tt.lost)
					}
				}
				stored := len(p.StoredFindings("i1")) > 0
				if stored != (tt.lost == "") {
					t.Errorf("findings stored: %v, want %v", stored, tt.lost == "")
				}
				if r := readStatus(t, p, "i1"); tt.lost != "" && (r.Status == nil || r.Status.Name != "PENDING" || len(r.Status.Traces) != 0) {
					t.Errorf("inject status %+v, want PENDING without a trace", r.Status)
				}
			})
		}
	}
}
