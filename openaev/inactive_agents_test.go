package openaev_test

import (
	"context"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestInactiveAgentsSignaturesLandWhereStored: the current platform
// creates an agent's expectations only for the agents its message marks
// active (agent_active), and the asset's own expectation beside them, or
// alone, signed by the platform, when the asset has no active agent. Run
// on such messages, the profile's signatures are all stored, each on the
// expectation the platform keeps: an inactive agent is named by none, and
// an asset whose agents are all inactive gets them on its own, in place of
// the platform's.
func TestInactiveAgentsSignaturesLandWhereStored(t *testing.T) {
	agent := func(id string, active ...bool) map[string]any {
		a := map[string]any{"agent_id": id, "agent_executed_by_user": "root"}
		if len(active) > 0 {
			a["agent_active"] = active[0]
		}
		return a
	}
	withAgents := func(id, ip string, agents ...map[string]any) map[string]any {
		a := asset("asset", id, "", ip, nil)
		a["asset_agents"] = agents
		return a
	}
	tests := []struct {
		name   string
		assets []map[string]any // the message's, else g1's endpoints
		// stored are the expectations holding the run's signature of
		// target 192.0.2.1; empty names none.
		stored []openaevtest.Expectation
		empty  []openaevtest.Expectation
	}{
		{"an active and an inactive agent",
			[]map[string]any{withAgents("a1", "192.0.2.1", agent("ag-on", true), agent("ag-off", false))},
			[]openaevtest.Expectation{{Agent: "ag-on", Asset: "a1"}},
			[]openaevtest.Expectation{{Agent: "ag-off", Asset: "a1"}, {Asset: "a1"}}},
		{"the inactive agent listed first",
			[]map[string]any{withAgents("a1", "192.0.2.1", agent("ag-off", false), agent("ag-on", true))},
			[]openaevtest.Expectation{{Agent: "ag-on", Asset: "a1"}},
			[]openaevtest.Expectation{{Agent: "ag-off", Asset: "a1"}, {Asset: "a1"}}},
		{"two active agents",
			[]map[string]any{withAgents("a1", "192.0.2.1", agent("ag1", true), agent("ag2"), agent("ag-off", false))},
			[]openaevtest.Expectation{{Agent: "ag1", Asset: "a1"}, {Agent: "ag2", Asset: "a1"}},
			[]openaevtest.Expectation{{Agent: "ag-off", Asset: "a1"}, {Asset: "a1"}}},
		{"every agent inactive",
			[]map[string]any{withAgents("a1", "192.0.2.1", agent("ag-off", false), agent("ag-off2", false))},
			[]openaevtest.Expectation{{Asset: "a1"}},
			[]openaevtest.Expectation{{Agent: "ag-off", Asset: "a1"}, {Agent: "ag-off2", Asset: "a1"}}},
		{"a group's endpoint whose only agent is inactive", nil,
			[]openaevtest.Expectation{{Asset: "a1", AssetGroup: "g1"}},
			[]openaevtest.Expectation{{Agent: "ag-off", Asset: "a1", AssetGroup: "g1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitedEnv(t, openaevtest.Current, 1<<20, false)
			e.nmap.open = map[string][]int{"192.0.2.1": {22}}
			q := openaevtest.QueuedInject{ID: "inj-act", Title: "a test inject", ContractID: e.client.ContractID("nmap"),
				Content: map[string]any{"target_selector": "assets", "target_property_selector": "seen_ip",
					"expectations": []map[string]any{{"expectation_type": "DETECTION"}}},
				Assets: tt.assets}
			e.message(t, "inj-act", "nmap", nil, tt.assets, nil) // the inject and its assets
			if tt.assets == nil {
				e.platform.SetAssetGroup("g1", withAgents("a1", "192.0.2.1", agent("ag-off", false)))
				q.Content["target_selector"] = "asset-groups"
				q.AssetGroups = []map[string]any{{"asset_group_id": "g1", "asset_group_name": "G"}}
			}
			if err := e.proc.Process(context.Background(), e.platform.Message(q)); err != nil {
				t.Fatal(err)
			}
			holds := func(x openaevtest.Expectation) bool {
				return slices.ContainsFunc(e.platform.ExpectationSignatures("inj-act", x)["DETECTION"], func(s openaevtest.Signature) bool {
					return s.Type == "target_ipv4_address" && s.Value == "192.0.2.1"
				})
			}
			for _, x := range tt.stored {
				if !holds(x) {
					t.Errorf("%+v holds %v; want the run's signatures", x, e.platform.ExpectationSignatures("inj-act", x))
				}
			}
			for _, x := range tt.empty {
				if holds(x) {
					t.Errorf("%+v holds the run's signatures", x)
				}
			}
			sent := 0
			for _, c := range e.platform.Calls("inj-act") {
				if (c.Kind == openaevtest.KindComplete || c.Kind == openaevtest.KindData) && !c.Processed() {
					t.Errorf("%s dropped: %s", c.Kind, c.Reason)
				}
				sent += len(c.Signatures)
				for _, s := range c.SignaturesUnattached {
					t.Errorf("signature lost: %+v", s)
				}
			}
			if sent == 0 {
				t.Error("no signature stored")
			}
		})
	}
}

// TestAgentActiveRead: an agent is inactive only where the message's
// agent_active is false, the boolean the platform writes; any other
// value, or none, refuses nothing and marks nothing.
func TestAgentActiveRead(t *testing.T) {
	for _, tt := range []struct {
		name, agents string
		inactive     []string
	}{
		{"false and true", `[{"agent_id":"x","agent_active":false},{"agent_id":"y","agent_active":true}]`, []string{"x"}},
		{"left out", `[{"agent_id":"x"}]`, nil},
		{"null", `[{"agent_id":"x","agent_active":null}]`, nil},
		{"a string", `[{"agent_id":"x","agent_active":"false"}]`, nil},
		{"an object", `[{"agent_id":"x","agent_active":{"a":false}}]`, nil},
		{"an inactive agent without id", `[{"agent_id":"","agent_active":false},{"agent_id":"y"}]`, nil},
		{"the endpoint spelling", `[{"agent_active":false,"agent_id":"z"}]`, []string{"z"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := openaev.ParseMessage([]byte(`{"injection":{"inject_id":"i1"},"assets":[{"asset_id":"a1","endpoint_agents":` +
				tt.agents + `}]}`))
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Assets[0].Inactive; !slices.Equal(got, tt.inactive) {
				t.Errorf("Inactive = %q, want %q", got, tt.inactive)
			}
		})
	}
}
