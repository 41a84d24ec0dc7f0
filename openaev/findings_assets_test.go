package openaev_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestNmapFindingsStoredPerAsset: the platform links each portscan finding
// of a multi-asset nmap inject to the assets its rows name (asset_id), an
// address two assets share to both; the port findings to none.
func TestNmapFindingsStoredPerAsset(t *testing.T) {
	want := []openaevtest.FindingRow{
		{Type: "portscan", Value: "192.0.2.7:22 (ssh)", Field: "scan_results", Assets: []string{"a1", "a3"}},
		{Type: "portscan", Value: "192.0.2.7:80 (ssh)", Field: "scan_results", Assets: []string{"a1", "a3"}},
		{Type: "portscan", Value: "db01.example.com:443 (ssh)", Field: "scan_results", Assets: []string{"a2"}},
		{Type: "port", Value: "22", Field: "ports"},
		{Type: "port", Value: "443", Field: "ports"},
		{Type: "port", Value: "80", Field: "ports"},
	}
	for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
		t.Run(v.String(), func(t *testing.T) {
			e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(v)})
			e.register(t)
			e.nmap.open = map[string][]int{"192.0.2.7": {22, 80}, "db01.example.com": {443}}
			body := e.message(t, "inj-assets", "nmap", map[string]any{"target_selector": "assets",
				"expectations": []map[string]any{{"expectation_type": "DETECTION"}}},
				[]map[string]any{asset("asset", "a1", "", "192.0.2.7", nil), asset("endpoint", "a2", "db01.example.com", "", nil),
					asset("asset", "a3", "", "192.0.2.7", nil)}, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			if done, ok := e.platform.Terminal("inj-assets"); !ok || !done.Processed() {
				t.Fatalf("terminal callback: present %v, %s %s", ok, done.Outcome, done.Reason)
			}
			got := map[string]openaevtest.FindingRow{}
			for _, r := range e.platform.StoredFindings("inj-assets") {
				if r.Field != "action_output" {
					got[r.Value] = r
				}
			}
			wanted := map[string]openaevtest.FindingRow{}
			for _, r := range want {
				wanted[r.Value] = r
			}
			if !reflect.DeepEqual(got, wanted) {
				t.Errorf("stored findings\n%v\nwant\n%v", got, wanted)
			}
		})
	}
}
