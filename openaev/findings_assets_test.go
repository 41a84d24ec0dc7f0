package openaev_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestNmapFindingsStoredPerAsset: the platform links each portscan finding
// of a multi-asset nmap inject to the assets its rows name (asset_id), an
// address two assets share to both; the port findings to none. The ids
// the profile sends are those of assets the platform holds, the message's
// or an asset group's endpoints, never an asset group's or an agent's id,
// which the platform would drop (openaevtest's Call.UnlinkedAssets).
func TestNmapFindingsStoredPerAsset(t *testing.T) {
	tests := []struct {
		name   string
		assets []map[string]any
		groups []map[string]any
		want   []openaevtest.FindingRow
	}{
		{"the message's assets", []map[string]any{asset("asset", "a1", "", "192.0.2.7", nil, "ag1"),
			asset("endpoint", "a2", "db01.example.com", "", nil), asset("asset", "a3", "", "192.0.2.7", nil)}, nil,
			[]openaevtest.FindingRow{
				{Type: "portscan", Value: "192.0.2.7:22 (ssh)", Field: "scan_results", Assets: []string{"a1", "a3"}},
				{Type: "portscan", Value: "192.0.2.7:80 (ssh)", Field: "scan_results", Assets: []string{"a1", "a3"}},
				{Type: "portscan", Value: "db01.example.com:443 (ssh)", Field: "scan_results", Assets: []string{"a2"}},
				{Type: "port", Value: "22", Field: "ports"},
				{Type: "port", Value: "443", Field: "ports"},
				{Type: "port", Value: "80", Field: "ports"},
			}},
		{"an asset group's endpoints", nil, []map[string]any{{"asset_group_id": "g1", "asset_group_name": "Servers"}},
			[]openaevtest.FindingRow{
				{Type: "portscan", Value: "192.0.2.7:22 (ssh)", Field: "scan_results", Assets: []string{"e1"}},
				{Type: "portscan", Value: "192.0.2.7:80 (ssh)", Field: "scan_results", Assets: []string{"e1"}},
				{Type: "portscan", Value: "db01.example.com:443 (ssh)", Field: "scan_results", Assets: []string{"e2"}},
				{Type: "port", Value: "22", Field: "ports"},
				{Type: "port", Value: "443", Field: "ports"},
				{Type: "port", Value: "80", Field: "ports"},
			}},
	}
	for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
		for _, tt := range tests {
			t.Run(v.String()+"/"+tt.name, func(t *testing.T) {
				e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(v)})
				e.register(t)
				e.platform.SetAssetGroup("g1", asset("asset", "e1", "", "192.0.2.7", nil, "ag-e1"),
					asset("asset", "e2", "db01.example.com", "", nil))
				e.nmap.open = map[string][]int{"192.0.2.7": {22, 80}, "db01.example.com": {443}}
				selector := "assets"
				if tt.groups != nil {
					selector = "asset-groups"
				}
				body := e.message(t, "inj-assets", "nmap", map[string]any{"target_selector": selector,
					"expectations": []map[string]any{{"expectation_type": "DETECTION"}}}, tt.assets, tt.groups)
				if err := e.proc.Process(context.Background(), body); err != nil {
					t.Fatal(err)
				}
				done, ok := e.platform.Terminal("inj-assets")
				if !ok || !done.Processed() {
					t.Fatalf("terminal callback: present %v, %s %s", ok, done.Outcome, done.Reason)
				}
				if len(done.UnlinkedAssets) > 0 {
					t.Errorf("the complete's findings name %q, which are no assets the platform holds: it drops those links", done.UnlinkedAssets)
				}
				got := map[string]openaevtest.FindingRow{}
				for _, r := range e.platform.StoredFindings("inj-assets") {
					if r.Field != "action_output" {
						got[r.Value] = r
					}
				}
				wanted := map[string]openaevtest.FindingRow{}
				for _, r := range tt.want {
					wanted[r.Value] = r
				}
				if !reflect.DeepEqual(got, wanted) {
					t.Errorf("stored findings\n%v\nwant\n%v", got, wanted)
				}
			})
		}
	}
}
