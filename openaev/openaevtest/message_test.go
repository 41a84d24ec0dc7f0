package openaevtest_test

import (
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestMessage: the profile's own parser reads back the inject a message
// was built from.
func TestMessage(t *testing.T) {
	b := openaevtest.Message(openaevtest.QueuedInject{ID: "i1", Title: "a title", ContractID: "c1",
		Content: map[string]any{"target_selector": "assets"},
		Assets: []map[string]any{{"asset_id": "a1", "asset_name": "web", "asset_ips": []string{"192.0.2.7"},
			"asset_agents": []map[string]any{{"agent_id": "ag1"}}}},
		AssetGroups: []map[string]any{{"asset_group_id": "g1", "asset_group_name": "servers"}}})
	m, err := openaev.ParseMessage(b)
	if err != nil {
		t.Fatalf("ParseMessage(%s): %v", b, err)
	}
	in := m.Injection
	if in.InjectID != "i1" || in.Title != "a title" || in.ContractID() != "c1" || string(in.Content["target_selector"]) != `"assets"` {
		t.Errorf("injection %+v", in)
	}
	wantAssets := []openaev.Asset{{ID: "a1", Name: "web", IPs: []string{"192.0.2.7"}, Agents: []string{"ag1"}}}
	if !reflect.DeepEqual(m.Assets, wantAssets) || !reflect.DeepEqual(m.AssetGroups, []openaev.AssetGroup{{ID: "g1", Name: "servers"}}) {
		t.Errorf("assets %+v, groups %+v", m.Assets, m.AssetGroups)
	}
}

// TestMessageLeavesOutEmptyFields: only the inject id and the contract are
// always there.
func TestMessageLeavesOutEmptyFields(t *testing.T) {
	got := string(openaevtest.Message(openaevtest.QueuedInject{ID: "i1", ContractID: "c1"}))
	if want := `{"injection":{"inject_id":"i1","inject_injector_contract":{"injector_contract_id":"c1"}}}`; got != want {
		t.Errorf("Message = %s, want %s", got, want)
	}
}

func TestMessagePanicsOnBadContent(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for content json cannot encode")
		}
	}()
	openaevtest.Message(openaevtest.QueuedInject{ID: "i", Content: map[string]any{"f": func() {}}})
}

// TestMessageKeyOrder: the keys come in the platform's order (Jackson
// writes a class's properties as declared: ExecutableInjectDTO, then the
// inject), the inject id first whatever the size of the rest, and an
// empty list or content is written, not left out.
func TestMessageKeyOrder(t *testing.T) {
	tests := []struct {
		name string
		in   openaevtest.QueuedInject
		want string
	}{
		{"every field", openaevtest.QueuedInject{ID: "i1", Title: "t", ContractID: "c1",
			Content: map[string]any{"z": 1}, Assets: []map[string]any{{"asset_id": "a1"}},
			AssetGroups: []map[string]any{{"asset_group_id": "g1"}}},
			`{"injection":{"inject_id":"i1","inject_title":"t","inject_content":{"z":1},"inject_injector_contract":{"injector_contract_id":"c1"}},` +
				`"assets":[{"asset_id":"a1"}],"assetGroups":[{"asset_group_id":"g1"}]}`},
		{"empty lists and content", openaevtest.QueuedInject{ID: "i1", ContractID: "c1", Content: map[string]any{},
			Assets: []map[string]any{}, AssetGroups: []map[string]any{}},
			`{"injection":{"inject_id":"i1","inject_content":{},"inject_injector_contract":{"injector_contract_id":"c1"}},"assets":[],"assetGroups":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(openaevtest.Message(tt.in)); got != tt.want {
				t.Errorf("Message =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
