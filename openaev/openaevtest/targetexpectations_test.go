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
