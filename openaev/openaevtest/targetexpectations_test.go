package openaevtest_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestSignaturesNeedAnExpectation: once the platform published an inject
// (Platform.Message), a signature is stored only on an expectation the
// platform created for it: one of a type the content lists, on an asset,
// a primary agent, an asset group or an endpoint of the group. A Caldera
// implant's agent (agent_parent or agent_inject: the message carries it
// unmarked), an asset the inject does not target and a type the content
// does not list have none, and their signatures are lost.
func TestSignaturesNeedAnExpectation(t *testing.T) {
	assets := []map[string]any{
		{"asset_id": "a1", "endpoint_hostname": "web01", "asset_agents": []any{
			map[string]any{"agent_id": "ag1"},
			map[string]any{"agent_id": "imp1", "agent_parent": "ag1"},
			map[string]any{"agent_id": "imp2", "agent_inject": "i1"},
		}},
		{"asset_id": "a2", "endpoint_hostname": "web02"},
	}
	group := []map[string]any{{"asset_id": "a3", "endpoint_hostname": "db01", "asset_agents": []any{map[string]any{"agent_id": "ag3"}}}}
	targets := []map[string]any{
		{"agent": "ag1", "asset": "a1"},
		{"agent": "imp1", "asset": "a1"},
		{"agent": "imp2", "asset": "a1"},
		{"asset": "a1"},
		{"asset": "a2"},
		{"asset": "a9"},
		{"asset_group": "g1"},
		{"agent": "ag3", "asset": "a3", "asset_group": "g1"},
		{"asset": "a3", "asset_group": "g1"},
		{"asset_group": "g9"},
	}
	var envelope []any
	for _, st := range targets {
		var groups []any
		for _, et := range []string{"DETECTION", "PREVENTION"} {
			groups = append(groups, map[string]any{"expectation_type": et, "values": []any{
				map[string]any{"signature_type": "target_hostname_address", "signature_value": "web01"}}})
		}
		envelope = append(envelope, map[string]any{"signature_target": st, "signature_values": groups})
	}
	key := func(s openaevtest.Signature) string {
		return s.Agent + "/" + s.Asset + "/" + s.AssetGroup + "/" + s.ExpectationType
	}
	detection := []string{"//g1/DETECTION", "/a1//DETECTION", "/a2//DETECTION", "/a3/g1/DETECTION",
		"ag1/a1//DETECTION", "ag3/a3/g1/DETECTION"} // sorted
	tests := []struct {
		name      string
		content   map[string]any
		published bool
		stored    []string
	}{
		{"the content lists DETECTION", map[string]any{"expectations": []any{map[string]any{"expectation_type": "DETECTION"}}}, true, detection},
		{"the content lists none", map[string]any{"expectations": []any{}}, true, nil},
		{"no list, the contract predefines none", map[string]any{}, true, nil},
		{"not published: every target taken as having them", nil, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t)
			p.SetAssetGroup("g1", group...)
			if tt.published {
				p.Message(openaevtest.QueuedInject{ID: "i1", ContractID: nmapContractID, Content: tt.content, Assets: assets,
					AssetGroups: []map[string]any{{"asset_group_id": "g1", "asset_group_name": "DB"}}})
			}
			c := postCallback(t, p, "i1", callback("data", "EXECUTED", map[string]any{
				"expectation_signatures": map[string]any{"targets": envelope}}))
			if c.Outcome != openaevtest.Processed {
				t.Fatalf("outcome %s: %s", c.Outcome, c.Reason)
			}
			var stored, lost []string
			for _, s := range c.Signatures {
				stored = append(stored, key(s))
			}
			for _, s := range c.SignaturesUnattached {
				lost = append(lost, key(s))
			}
			slices.Sort(stored)
			want := tt.stored
			if !tt.published {
				want = stored // all of them: checked by their count below
			}
			if !reflect.DeepEqual(stored, want) {
				t.Errorf("stored %v\nwant %v", stored, want)
			}
			if len(stored)+len(lost) != 2*len(targets) || (!tt.published && len(lost) != 0) {
				t.Errorf("%d stored and %d lost of %d", len(stored), len(lost), 2*len(targets))
			}
			if h, _ := p.Held("i1"); h.Unattached != len(lost) || h.Stored != len(stored) {
				t.Errorf("held: %d stored, %d unattached; want %d, %d", h.Stored, h.Unattached, len(stored), len(lost))
			}
		})
	}
}

// TestInactiveAgentsHaveNoExpectations: the newest line creates an
// agent's expectations only for its active agents (AgentUtils
// .getActiveAgents; agent_active false in the message), and the asset's
// own expectation whatever its agents (an asset with no active agent
// keeps it: ExpectationUtils.isAgentlessAssetExpectationNecessary). A
// signature naming an inactive agent is lost; one naming its asset alone
// is stored, where an asset with no active agent holds the platform's own
// signatures, which it replaces.
func TestInactiveAgentsHaveNoExpectations(t *testing.T) {
	assets := []map[string]any{
		{"asset_id": "a1", "endpoint_ips": []any{"192.0.2.1"}, "asset_agents": []any{
			map[string]any{"agent_id": "ag-on", "agent_active": true},
			map[string]any{"agent_id": "ag-off", "agent_active": false},
			map[string]any{"agent_id": "ag-unsaid"}, // a test's shorthand: active
		}},
		{"asset_id": "a2", "endpoint_ips": []any{"192.0.2.2"}, "asset_agents": []any{
			map[string]any{"agent_id": "ag-off2", "agent_active": false}}},
	}
	group := []map[string]any{{"asset_id": "a3", "endpoint_ips": []any{"192.0.2.3"}, "asset_agents": []any{
		map[string]any{"agent_id": "ag-off3", "agent_active": false}}}}
	tests := []struct {
		name   string
		target map[string]any
		stored bool
		// own is what the target's expectations held before: the
		// platform's signatures at publish.
		own []string
	}{
		{"an active agent", map[string]any{"agent": "ag-on", "asset": "a1"}, true,
			[]string{"parent_process_name=ti1-agent-ag-on", "source_ipv4_address=192.0.2.1"}},
		{"an agent without agent_active", map[string]any{"agent": "ag-unsaid", "asset": "a1"}, true,
			[]string{"parent_process_name=ti1-agent-ag-unsaid", "source_ipv4_address=192.0.2.1"}},
		{"an inactive agent", map[string]any{"agent": "ag-off", "asset": "a1"}, false, nil},
		{"the asset of an active agent", map[string]any{"asset": "a1"}, true, nil},
		{"the only agent, inactive", map[string]any{"agent": "ag-off2", "asset": "a2"}, false, nil},
		{"the asset with no active agent", map[string]any{"asset": "a2"}, true,
			[]string{"parent_process_name=ti1-agent-null", "source_ipv4_address=192.0.2.2"}},
		{"an inactive agent of a group's endpoint", map[string]any{"agent": "ag-off3", "asset": "a3", "asset_group": "g1"}, false, nil},
		{"that endpoint in its group", map[string]any{"asset": "a3", "asset_group": "g1"}, true,
			[]string{"parent_process_name=ti1-agent-null", "source_ipv4_address=192.0.2.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t)
			p.SetAssetGroup("g1", group...)
			p.Message(openaevtest.QueuedInject{ID: "i1", ContractID: nmapContractID, Assets: assets,
				AssetGroups: []map[string]any{{"asset_group_id": "g1", "asset_group_name": "DB"}},
				Content:     map[string]any{"expectations": []any{map[string]any{"expectation_type": "DETECTION"}}}})
			e := openaevtest.Expectation{Agent: str(tt.target["agent"]), Asset: str(tt.target["asset"]),
				AssetGroup: str(tt.target["asset_group"])}
			if got := held(p, e, "DETECTION"); !reflect.DeepEqual(got, tt.own) {
				t.Errorf("at publish: %v, want %v", got, tt.own)
			}
			c := postCallback(t, p, "i1", callback("data", "EXECUTED", map[string]any{
				"expectation_signatures": map[string]any{"targets": []any{map[string]any{"signature_target": tt.target,
					"signature_values": []any{map[string]any{"expectation_type": "DETECTION", "values": []any{
						map[string]any{"signature_type": "target_ipv4_address", "signature_value": "192.0.2.9"}}}}}}}}))
			if c.Outcome != openaevtest.Processed {
				t.Fatalf("outcome %s: %s", c.Outcome, c.Reason)
			}
			if stored := len(c.Signatures) == 1; stored != tt.stored || len(c.SignaturesUnattached) == len(c.Signatures) {
				t.Fatalf("stored %v, unattached %v; want stored %v", c.Signatures, c.SignaturesUnattached, tt.stored)
			}
			want := tt.own
			if tt.stored {
				want = []string{"target_ipv4_address=192.0.2.9"} // the platform's own cleared
			}
			if got := held(p, e, "DETECTION"); !reflect.DeepEqual(got, want) {
				t.Errorf("held %v, want %v", got, want)
			}
		})
	}
}

func str(v any) string { s, _ := v.(string); return s }
