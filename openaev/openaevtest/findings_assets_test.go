package openaevtest_test

import (
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestFindingsLinkedToAssets (rule 14): a finding is linked to the assets
// its asset_id names, as 2.4.0's processors read it: a portscan row's one
// id (a list names none), a cve's id or list of ids; a finding repeated
// within an output is stored once with the assets of each; an output type
// that links none (port) has none. The search answers them as
// finding_assets, the stats view (Held) with each row.
func TestFindingsLinkedToAssets(t *testing.T) {
	p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(openaevtest.Version24))
	contract := nmapContract(func(c, _ map[string]any) {
		c["outputs"] = []any{
			map[string]any{"type": "portscan", "field": "scan_results", "isMultiple": true},
			map[string]any{"type": "port", "field": "ports", "isMultiple": true},
			map[string]any{"type": "cve", "field": "cves", "isMultiple": true},
		}
	})
	if st, reply := register(t, p, contract); st != 200 {
		t.Fatalf("registration %d %v", st, reply)
	}
	p.AddInject("i1", "0b7f3674-ac5d-4b95-b749-6665e74a211f")
	p.AddAssets("a1", "a2", "a3")
	row := func(asset any, host string, port int) map[string]any {
		return map[string]any{"asset_id": asset, "host": host, "port": port, "service": "ssh"}
	}
	c := postCallback(t, p, "i1", callback("complete", "SUCCESS", map[string]any{
		"scan_results": []any{row("a1", "10.0.0.5", 22), row("a3", "10.0.0.5", 22), row("a2", "10.0.0.6", 443),
			row([]any{"a1", "a2"}, "10.0.0.7", 80), map[string]any{"host": "10.0.0.8", "port": 22, "service": "ssh"}},
		"ports": []any{22, 443},
		"cves": []any{map[string]any{"id": "CVE-2024-1", "host": []any{"10.0.0.5"}, "severity": "high", "asset_id": []any{"a3", "a1", "a3"}},
			map[string]any{"id": "CVE-2024-2", "host": "10.0.0.6", "severity": "low", "asset_id": "a2"}},
	}))
	if !c.Processed() {
		t.Fatalf("complete: %s %s", c.Outcome, c.Reason)
	}
	want := []openaevtest.FindingRow{
		{Type: "portscan", Value: "10.0.0.5:22 (ssh)", Field: "scan_results", Assets: []string{"a1", "a3"}},
		{Type: "portscan", Value: "10.0.0.6:443 (ssh)", Field: "scan_results", Assets: []string{"a2"}},
		{Type: "portscan", Value: "10.0.0.7:80 (ssh)", Field: "scan_results"},
		{Type: "portscan", Value: "10.0.0.8:22 (ssh)", Field: "scan_results"},
		{Type: "port", Value: "22", Field: "ports"},
		{Type: "port", Value: "443", Field: "ports"},
		{Type: "cve", Value: "CVE-2024-1", Field: "cves", Assets: []string{"a1", "a3"}},
		{Type: "cve", Value: "CVE-2024-2", Field: "cves", Assets: []string{"a2"}},
	}
	byValue := func(rows []openaevtest.FindingRow) map[string]openaevtest.FindingRow {
		m := map[string]openaevtest.FindingRow{}
		for _, r := range rows {
			m[r.Value] = r
		}
		return m
	}
	if got := byValue(p.StoredFindings("i1")); !reflect.DeepEqual(got, byValue(want)) || len(p.StoredFindings("i1")) != len(want) {
		t.Errorf("stored\n%v\nwant\n%v", p.StoredFindings("i1"), want)
	}
	if h, _ := p.Held("i1"); !reflect.DeepEqual(byValue(h.Findings), byValue(want)) {
		t.Errorf("stats view findings\n%v\nwant\n%v", h.Findings, want)
	}
	st, reply := postJSON(t, p, "/api/findings/injects/i1/search", map[string]any{"page": 0, "size": 100})
	content, _ := reply["content"].([]any)
	if st != 200 || len(content) != len(want) {
		t.Fatalf("search: %d %v", st, reply)
	}
	for _, it := range content {
		item, _ := it.(map[string]any)
		var ids []string
		for _, a := range item["finding_assets"].([]any) {
			ids = append(ids, a.(map[string]any)["asset_id"].(string))
		}
		if w := byValue(want)[item["finding_value"].(string)].Assets; !reflect.DeepEqual(ids, w) {
			t.Errorf("search: %v finding_assets %v, want %v", item["finding_value"], item["finding_assets"], w)
		}
	}
}

// TestFindingAssetsThePlatformHolds (rule 14): 2.4.0 links a finding to
// the assets its asset_id names that the platform holds (FindingService
// .linkFinding → fetchEntities(assetRepository::findById)), whatever
// inject or asset group they belong to, and drops every other id
// silently: one it never held, an asset group's, an agent's. The finding
// is stored all the same, the callback processed, and the Call names the
// ids the platform found no asset for.
func TestFindingAssetsThePlatformHolds(t *testing.T) {
	tests := []struct {
		name         string
		assetID      any
		want         []string // the assets the stored finding is linked to
		wantUnlinked []string
	}{
		{"an asset of the inject", "a1", []string{"a1"}, nil},
		{"an asset of another inject", "other-inject-asset", []string{"other-inject-asset"}, nil},
		{"an endpoint of an asset group", "e1", []string{"e1"}, nil},
		{"an id it never held", "no-such-asset", nil, []string{"no-such-asset"}},
		{"an asset group's id", "g1", nil, []string{"g1"}},
		{"an agent's id", "ag1", nil, []string{"ag1"}},
		{"held and not held", []any{"a1", "g1", "ag1", "e1"}, []string{"a1", "e1"}, []string{"g1", "ag1"}},
		{"an empty id", "", nil, nil},
	}
	for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
		for _, tt := range tests {
			t.Run(v.String()+"/"+tt.name, func(t *testing.T) {
				p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(v))
				contract := nmapContract(func(c, _ map[string]any) {
					c["outputs"] = []any{map[string]any{"type": "cve", "field": "cves", "isMultiple": true}}
				})
				if st, reply := register(t, p, contract); st != 200 {
					t.Fatalf("registration %d %v", st, reply)
				}
				p.AddInject("i1", "0b7f3674-ac5d-4b95-b749-6665e74a211f")
				p.AddInject("i2", "0b7f3674-ac5d-4b95-b749-6665e74a211f")
				p.AddAssets("a1", "other-inject-asset")
				p.SetAssetGroup("g1", map[string]any{"asset_id": "e1", "asset_agents": []any{map[string]any{"agent_id": "ag1"}}})
				c := postCallback(t, p, "i1", callback("complete", "SUCCESS", map[string]any{
					"cves": []any{map[string]any{"id": "CVE-2024-1", "host": "10.0.0.5", "severity": "high", "asset_id": tt.assetID}},
				}))
				if !c.Processed() {
					t.Fatalf("complete: %s %s, want it processed", c.Outcome, c.Reason)
				}
				want := []openaevtest.FindingRow{{Type: "cve", Value: "CVE-2024-1", Field: "cves", Assets: tt.want}}
				if got := p.StoredFindings("i1"); !reflect.DeepEqual(got, want) {
					t.Errorf("stored %v, want %v", got, want)
				}
				if !reflect.DeepEqual(c.UnlinkedAssets, tt.wantUnlinked) {
					t.Errorf("UnlinkedAssets %q, want %q", c.UnlinkedAssets, tt.wantUnlinked)
				}
			})
		}
	}
}
