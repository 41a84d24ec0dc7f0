package openaevtest_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// signAs posts a "data" callback of i1 whose one signature names target,
// and reports whether the platform stored it.
func signAs(t *testing.T, p *openaevtest.Platform, target map[string]any) bool {
	t.Helper()
	c := postCallback(t, p, "i1", callback("data", "EXECUTED", map[string]any{
		"expectation_signatures": map[string]any{"targets": []any{map[string]any{"signature_target": target,
			"signature_values": []any{map[string]any{"expectation_type": "DETECTION", "values": []any{
				map[string]any{"signature_type": "target_ipv4_address", "signature_value": "192.0.2.9"}}}}}}}}))
	if !c.Processed() {
		t.Fatalf("outcome %s: %s", c.Outcome, c.Reason)
	}
	if len(c.Signatures)+len(c.SignaturesUnattached) != 1 {
		t.Fatalf("stored %v, unattached %v: want the one signature in either", c.Signatures, c.SignaturesUnattached)
	}
	return len(c.Signatures) == 1
}

var detectionOnly = map[string]any{"expectations": []any{map[string]any{"expectation_type": "DETECTION"}}}

// TestNeedsExecutorExpectations: on the current line an asset with no
// active agent keeps an expectation of its own, signed by the platform at
// publish, only when the inject's contract does not need an executor
// (ExpectationUtils.isAgentlessAssetExpectationNecessary →
// injectRunsThroughAgents); when it needs one, such an asset has no
// expectation at all and a group whose assets are all such has none
// either, so a signature naming them is lost. The executor's launch
// writes an AGENT_INACTIVE trace for each inactive agent first.
func TestNeedsExecutorExpectations(t *testing.T) {
	agent := func(id string, active bool) map[string]any {
		return map[string]any{"agent_id": id, "agent_active": active, "agent_executed_by_user": "root"}
	}
	assets := []map[string]any{
		{"asset_id": "a1", "asset_name": "web01", "endpoint_ips": []any{"192.0.2.1"}, "asset_agents": []any{
			agent("ag-on", true), agent("ag-off", false)}},
		{"asset_id": "a2", "asset_name": "web02", "endpoint_ips": []any{"192.0.2.2"}, "asset_agents": []any{
			agent("ag-off2", false)}},
	}
	targets := []struct {
		name   string
		target map[string]any
		// stored without, then with, a contract that needs an executor.
		stored [2]bool
	}{
		{"an active agent", map[string]any{"agent": "ag-on", "asset": "a1"}, [2]bool{true, true}},
		{"the asset of an active agent", map[string]any{"asset": "a1"}, [2]bool{true, true}},
		{"an asset with no active agent", map[string]any{"asset": "a2"}, [2]bool{true, false}},
		{"a group's endpoint with no active agent", map[string]any{"asset": "a3", "asset_group": "g1"}, [2]bool{true, false}},
		{"a group whose endpoints have no active agent", map[string]any{"asset_group": "g1"}, [2]bool{true, false}},
		{"a group with an active agent", map[string]any{"asset_group": "g2"}, [2]bool{true, true}},
	}
	for i, needs := range []bool{false, true} {
		for _, tt := range targets {
			t.Run(map[bool]string{false: "no executor/", true: "needs an executor/"}[needs]+tt.name, func(t *testing.T) {
				p := platformWithNmap(t)
				if needs {
					p.SetContractNeedsExecutor(nmapContractID)
				}
				p.SetAssetGroup("g1", map[string]any{"asset_id": "a3", "asset_name": "db01", "endpoint_ips": []any{"192.0.2.3"},
					"asset_agents": []any{agent("ag-off3", false)}})
				p.SetAssetGroup("g2", map[string]any{"asset_id": "a4", "asset_name": "db02", "endpoint_ips": []any{"192.0.2.4"},
					"asset_agents": []any{agent("ag4", true)}})
				p.Message(openaevtest.QueuedInject{ID: "i1", ContractID: nmapContractID, Assets: assets, Content: detectionOnly,
					AssetGroups: []map[string]any{{"asset_group_id": "g1"}, {"asset_group_id": "g2"}}})
				var own []string
				if !needs {
					own = []string{"parent_process_name=ti1-agent-null", "source_ipv4_address=192.0.2.2"}
				}
				if got := held(p, openaevtest.Expectation{Asset: "a2"}, "DETECTION"); !reflect.DeepEqual(got, own) {
					t.Errorf("a2's own at publish: %v, want %v", got, own)
				}
				var inactive []string
				for _, tr := range readStatus(t, p, "i1").Status.Traces {
					if tr.Status == "AGENT_INACTIVE" && tr.Action == "COMPLETE" && tr.Agent != nil {
						inactive = append(inactive, *tr.Agent)
					}
				}
				slices.Sort(inactive)
				if want := map[bool][]string{true: {"ag-off", "ag-off2", "ag-off3"}}[needs]; !slices.Equal(inactive, want) {
					t.Errorf("AGENT_INACTIVE traces of %v, want %v", inactive, want)
				}
				if got := signAs(t, p, tt.target); got != tt.stored[i] {
					t.Errorf("stored %v, want %v", got, tt.stored[i])
				}
			})
		}
	}
}

// TestTracedAgentHasNoExpectation: on the current line an agent the
// inject's status holds an ERROR, AGENT_INACTIVE or AGENT_OVERLOADED trace
// of has no expectation (AgentUtils.hasOnlyValidTraces), active or not: an
// inject of a contract that needs an executor, published while its agent
// was inactive and published again once it is active, keeps that trace
// and the agent none, until a launch cleans the status. The sweep's
// TIMEOUT trace does not count.
func TestTracedAgentHasNoExpectation(t *testing.T) {
	asset := func(active bool) []map[string]any {
		return []map[string]any{{"asset_id": "a1", "asset_name": "web01", "endpoint_ips": []any{"192.0.2.1"},
			"asset_agents": []any{map[string]any{"agent_id": "ag1", "agent_active": active, "agent_executed_by_user": "root"}}}}
	}
	publish := func(p *openaevtest.Platform, active bool) {
		p.Message(openaevtest.QueuedInject{ID: "i1", ContractID: nmapContractID, Assets: asset(active), Content: detectionOnly})
	}
	ag1 := map[string]any{"agent": "ag1", "asset": "a1"}
	t.Run("AGENT_INACTIVE trace of a contract that needs an executor", func(t *testing.T) {
		p := platformWithNmap(t)
		p.SetContractNeedsExecutor(nmapContractID)
		publish(p, false)
		publish(p, true) // executed again, its status kept
		if signAs(t, p, ag1) {
			t.Error("stored on the agent its AGENT_INACTIVE trace leaves without expectation")
		}
		p.Launch("i1")
		publish(p, true)
		if !signAs(t, p, ag1) {
			t.Error("lost once a launch cleaned the status")
		}
	})
	t.Run("the sweep's TIMEOUT trace", func(t *testing.T) {
		p := platformWithNmap(t)
		p.SetInjectAgents("i1", openaevtest.Agent{ID: "ag1", ExecutedByUser: "root"}) // i1 is PENDING
		if swept := p.SweepPending(time.Now().Add(time.Hour)); !slices.Equal(swept, []string{"i1"}) {
			t.Fatalf("swept %v", swept)
		}
		publish(p, true)
		if !signAs(t, p, ag1) {
			t.Error("lost: the sweep's TIMEOUT trace left the agent without expectation")
		}
	})
}

// TestAssetGroupOwnNeedsAnAsset: on the current line an asset group's own
// expectation is created once its assets were walked, and only when one
// of them produced an expectation: a group without endpoints has none,
// and a signature naming it alone is lost; a group whose only endpoint
// carries implants alone (no primary agent) has one, that endpoint's own
// being agentless.
func TestAssetGroupOwnNeedsAnAsset(t *testing.T) {
	for _, tt := range []struct {
		name      string
		endpoints []map[string]any
		stored    bool
	}{
		{"no endpoint", nil, false},
		{"an endpoint without agent", []map[string]any{{"asset_id": "a5", "endpoint_ips": []any{"192.0.2.5"}}}, true},
		{"an endpoint with an implant alone", []map[string]any{{"asset_id": "a6", "endpoint_ips": []any{"192.0.2.6"},
			"asset_agents": []any{map[string]any{"agent_id": "imp6", "agent_parent": "ag9"}}}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t)
			p.SetAssetGroup("g0", tt.endpoints...)
			p.Message(openaevtest.QueuedInject{ID: "i1", ContractID: nmapContractID, Content: detectionOnly,
				AssetGroups: []map[string]any{{"asset_group_id": "g0"}}})
			if got := signAs(t, p, map[string]any{"asset_group": "g0"}); got != tt.stored {
				t.Errorf("stored %v, want %v", got, tt.stored)
			}
		})
	}
}
