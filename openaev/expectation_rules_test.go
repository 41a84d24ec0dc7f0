package openaev_test

import (
	"context"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestAssetGroupSignaturesLandWhereStored: a run on asset groups, one of
// whose endpoints has an active and an inactive agent and one of which has
// no endpoint at all, sends on the current line only signatures the
// platform stores: each names the asset and its active agent, none the
// inactive agent, none a group alone (the empty group has no expectation
// of its own there: AbstractTechnicalBehavior creates a group's only when
// one of its assets has one). 2.4.0 stores no signature, and none is sent.
func TestAssetGroupSignaturesLandWhereStored(t *testing.T) {
	for _, v := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
		t.Run(map[openaevtest.Version]string{openaevtest.Current: "current", openaevtest.Version24: "2.4.0"}[v], func(t *testing.T) {
			e := newLimitedEnv(t, v, 1<<20, false)
			e.nmap.open = map[string][]int{"192.0.2.1": {22}}
			a1 := asset("asset", "a1", "", "192.0.2.1", nil)
			a1["asset_agents"] = []map[string]any{
				{"agent_id": "ag-on", "agent_active": true, "agent_executed_by_user": "root"},
				{"agent_id": "ag-off", "agent_active": false, "agent_executed_by_user": "root"}}
			e.platform.SetAssetGroup("g1", a1)
			e.platform.SetAssetGroup("g0")
			e.message(t, "inj-grp", "nmap", nil, nil, nil) // the inject
			q := openaevtest.QueuedInject{ID: "inj-grp", Title: "a test inject", ContractID: e.client.ContractID("nmap"),
				Content: map[string]any{"target_selector": "asset-groups", "target_property_selector": "seen_ip",
					"expectations": []map[string]any{{"expectation_type": "DETECTION"}}},
				AssetGroups: []map[string]any{{"asset_group_id": "g1", "asset_group_name": "G1"}, {"asset_group_id": "g0", "asset_group_name": "Empty"}}}
			if err := e.proc.Process(context.Background(), e.platform.Message(q)); err != nil {
				t.Fatal(err)
			}
			var stored []openaevtest.Signature
			for _, c := range e.platform.Calls("inj-grp") {
				if (c.Kind == openaevtest.KindComplete || c.Kind == openaevtest.KindData) && !c.Processed() {
					t.Errorf("%s dropped: %s", c.Kind, c.Reason)
				}
				stored = append(stored, c.Signatures...)
				for _, s := range c.SignaturesUnattached {
					t.Errorf("signature lost: %+v", s)
				}
			}
			for _, s := range stored {
				if s.Agent != "ag-on" || s.Asset != "a1" || s.AssetGroup != "g1" {
					t.Errorf("stored %+v: want each naming ag-on, a1 and g1", s)
				}
			}
			if got := len(stored) > 0; got != (v == openaevtest.Current) {
				t.Errorf("%d signatures stored on %v", len(stored), v)
			}
			if v == openaevtest.Current && !slices.ContainsFunc(e.platform.ExpectationSignatures("inj-grp",
				openaevtest.Expectation{Agent: "ag-on", Asset: "a1", AssetGroup: "g1"})["DETECTION"],
				func(s openaevtest.Signature) bool { return s.Type == "target_ipv4_address" && s.Value == "192.0.2.1" }) {
				t.Error("ag-on's expectation does not hold the run's target")
			}
		})
	}
}
