package openaevtest_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// publishedOrder decodes a message's asset ids, each asset's agent ids
// ("a1:ag1,ag2") and its asset group ids.
func publishedOrder(t *testing.T, b []byte) (assets, agents, groups []string) {
	t.Helper()
	var m struct {
		Assets []struct {
			ID     string `json:"asset_id"`
			Agents []struct {
				ID string `json:"agent_id"`
			} `json:"asset_agents"`
		} `json:"assets"`
		Groups []struct {
			ID string `json:"asset_group_id"`
		} `json:"assetGroups"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, a := range m.Assets {
		assets = append(assets, a.ID)
		var ids []string
		for _, ag := range a.Agents {
			ids = append(ids, ag.ID)
		}
		agents = append(agents, a.ID+":"+strings.Join(ids, ","))
	}
	for _, g := range m.Groups {
		groups = append(groups, g.ID)
	}
	return assets, agents, groups
}

// TestMessageInPublishedOrder: 2.4.0 publishes an inject's assets and each
// one's agents as HashSets of objects without a hashCode (rule 19): their
// order is arbitrary, another each publish, nothing left out or added;
// its asset groups come in their HashSet's order of Lombok's hashCode,
// captured from Java 17 (java.util.stream.Collectors.toSet() of a class
// hashing as @Data does): by hash, two groups in one bucket (g-ok and
// grp-1) in the order given.
func TestMessageInPublishedOrder(t *testing.T) {
	p := openaevtest.NewPlatform(t, "tok")
	var assets []map[string]any
	for i := range 6 {
		var agents []any
		for j := range 4 {
			agents = append(agents, map[string]any{"agent_id": fmt.Sprintf("ag%d-%d", i, j)})
		}
		assets = append(assets, map[string]any{"asset_id": fmt.Sprintf("a%d", i), "asset_agents": agents})
	}
	groups := []map[string]any{
		{"asset_group_id": "g-ok", "asset_group_name": "Servers"}, {"asset_group_id": "g-empty", "asset_group_name": "Empty"},
		{"asset_group_id": "g-unknown", "asset_group_name": "NotOnPlatform"}, {"asset_group_id": "g-skip", "asset_group_name": "AllSkipped"},
		{"asset_group_id": "grp-1", "asset_group_name": "Servers"},
		{"asset_group_id": "77f0c1d2-aaaa-4bbb-8ccc-000000000001", "asset_group_name": "DMZ"},
		{"asset_group_id": "77f0c1d2-aaaa-4bbb-8ccc-000000000002", "asset_group_name": "Workstations"},
		{"asset_group_id": "g3"}, // a null name hashes as 43
	}
	javaOrder := [2]string{"g-empty g-unknown 77f0c1d2-aaaa-4bbb-8ccc-000000000001 g-skip g3 77f0c1d2-aaaa-4bbb-8ccc-000000000002 g-ok grp-1",
		"g-empty g-unknown 77f0c1d2-aaaa-4bbb-8ccc-000000000001 g-skip g3 77f0c1d2-aaaa-4bbb-8ccc-000000000002 grp-1 g-ok"} // given reversed
	assetOrders, agentOrders := map[string]bool{}, map[string]bool{}
	for i := range 8 {
		given := slices.Clone(groups)
		if i%2 == 1 {
			slices.Reverse(given)
		}
		a, ag, g := publishedOrder(t, p.Message(openaevtest.QueuedInject{ID: "i1", ContractID: "c1", Assets: assets, AssetGroups: given}))
		if got := strings.Join(g, " "); got != javaOrder[i%2] {
			t.Errorf("message %d: asset groups %s, want Java's %s", i, got, javaOrder[i%2])
		}
		if sorted := slices.Sorted(slices.Values(a)); strings.Join(sorted, " ") != "a0 a1 a2 a3 a4 a5" {
			t.Fatalf("message %d: assets %v, want a0 to a5 each once", i, a)
		}
		for _, s := range ag {
			id, list, _ := strings.Cut(s, ":")
			if got := slices.Sorted(strings.SplitSeq(list, ",")); strings.Join(got, ",") != fmt.Sprintf("ag%[1]s-0,ag%[1]s-1,ag%[1]s-2,ag%[1]s-3", id[1:]) {
				t.Fatalf("message %d: agents %s, want the asset's four each once", i, s)
			}
			agentOrders[s] = true
		}
		assetOrders[strings.Join(a, " ")] = true
	}
	if len(assetOrders) < 2 || len(agentOrders) <= len(assets) {
		t.Errorf("%d orders of the assets and %d of their agents over 8 messages: the platform's sets keep no order",
			len(assetOrders), len(agentOrders))
	}
	if first := assets[0]["asset_agents"].([]any)[0].(map[string]any)["agent_id"]; first != "ag0-0" {
		t.Errorf("the given asset changed: its first agent is %v", first)
	}
}

// TestMessageManyAssetGroups: past twelve groups the HashSet doubles its
// table as they are added (Collectors.toSet(), not new HashSet<>(list)):
// thirty groups in Java 17's order.
func TestMessageManyAssetGroups(t *testing.T) {
	p := openaevtest.NewPlatform(t, "tok")
	var groups []map[string]any
	for i := range 30 {
		groups = append(groups, map[string]any{"asset_group_id": fmt.Sprintf("group-%d", i), "asset_group_name": fmt.Sprintf("Group %d", i)})
	}
	_, _, got := publishedOrder(t, p.Message(openaevtest.QueuedInject{ID: "i1", ContractID: "c1", AssetGroups: groups}))
	want := "group-1 group-19 group-0 group-18 group-29 group-3 group-17 group-28 group-2 group-5 group-4 group-7 group-6 group-12 " +
		"group-23 group-9 group-11 group-22 group-8 group-10 group-21 group-20 group-16 group-27 group-15 group-26 group-14 group-25 group-13 group-24"
	if strings.Join(got, " ") != want {
		t.Errorf("asset groups %s,\nwant Java's %s", strings.Join(got, " "), want)
	}
}
