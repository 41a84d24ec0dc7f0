package openaev_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
)

// asset builds a platform asset in the current (asset_*) or older
// (endpoint_*) spelling.
func asset(spelling, id, hostname, seenIP string, ips []string, agents ...string) map[string]any {
	a := map[string]any{"asset_id": id, "asset_name": "name-" + id}
	p := spelling + "_"
	if spelling == "endpoint" {
		a = map[string]any{"endpoint_id": id}
	}
	if hostname != "" {
		a[p+"hostname"] = hostname
	}
	if seenIP != "" {
		a[p+"seen_ip"] = seenIP
	}
	if ips != nil {
		a[p+"ips"] = ips
	}
	var ag []map[string]any
	for _, id := range agents {
		ag = append(ag, map[string]any{"agent_id": id, "agent_executed_by_user": "root"})
	}
	a[p+"agents"] = ag
	return a
}

func spec(value, asset, agent, group string) runtime.TargetSpec {
	return runtime.TargetSpec{Value: value, Asset: asset, Agent: agent, AssetGroup: group}
}

func TestTranslate(t *testing.T) {
	// 192.0.2.0/24 and 198.51.100.0/24 are documentation addresses: nothing
	// is sent to them, the fake executor only reads them.
	agentHost := asset("asset", "a1", "web01.example.com", "192.0.2.7", []string{"127.0.0.1", "fe80::1", "192.0.2.5"}, "ag1", "ag2")
	agentless := asset("asset", "a2", "db01.example.com", "192.0.2.8", []string{"192.0.2.9"})
	oldSpelling := asset("endpoint", "a3", "legacy.example.com", "", []string{"0.0.0.0", "::%!", "198.51.100.4"}, "ag3")
	loopbackOnly := asset("asset", "a4", "", "127.0.0.1", []string{"::1", "169.254.0.3"}, "ag4")
	hostile := asset("asset", "a5", "-oN/tmp/x", "", []string{"192.0.2.11"})
	groupcast := asset("asset", "a6", "", "239.255.255.250", []string{"255.255.255.255", "ff02::1", "::", "192.0.2.12"}, "ag6")
	manyAssets := make([]map[string]any, 45)
	for i := range manyAssets {
		manyAssets[i] = asset("asset", fmt.Sprintf("g%02d", i), "", fmt.Sprintf("192.0.2.%d", 100+i), nil, "agent")
	}
	tests := []struct {
		name    string
		content map[string]any
		assets  []map[string]any
		groups  []map[string]any
		// platform groups for paging
		platformGroups map[string][]map[string]any
		want           []runtime.TargetSpec
		wantTypes      []string
		wantParams     map[string]any
		wantErr        string
		wantPages      int
	}{
		{
			name:    "assets automatic: agent → seen ip, agentless → hostname, old spelling → first usable ip",
			content: map[string]any{"target_selector": "assets", "target_property_selector": "automatic"},
			assets:  []map[string]any{agentHost, agentless, oldSpelling, loopbackOnly},
			want: []runtime.TargetSpec{spec("192.0.2.7", "a1", "ag1", ""), spec("db01.example.com", "a2", "", ""),
				spec("198.51.100.4", "a3", "ag3", "")},
			wantTypes: []string{"DETECTION", "PREVENTION"},
		},
		{
			name:    "assets hostname, hostile hostname skipped",
			content: map[string]any{"target_selector": []string{"assets"}, "target_property_selector": []string{"hostname"}},
			assets:  []map[string]any{agentHost, oldSpelling, hostile, loopbackOnly},
			want:    []runtime.TargetSpec{spec("web01.example.com", "a1", "ag1", ""), spec("legacy.example.com", "a3", "ag3", "")},
		},
		{
			name:    "assets seen_ip",
			content: map[string]any{"target_selector": "assets", "target_property_selector": "seen_ip"},
			assets:  []map[string]any{agentHost, agentless, oldSpelling},
			want:    []runtime.TargetSpec{spec("192.0.2.7", "a1", "ag1", ""), spec("192.0.2.8", "a2", "", "")},
		},
		{
			name:    "assets local_ip skips loopback, link-local, unspecified and a zone no target may hold",
			content: map[string]any{"target_selector": "assets", "target_property_selector": "local_ip"},
			assets:  []map[string]any{agentHost, oldSpelling, loopbackOnly},
			want:    []runtime.TargetSpec{spec("192.0.2.5", "a1", "ag1", ""), spec("198.51.100.4", "a3", "ag3", "")},
		},
		{
			name:    "assets automatic falls back to ips when the hostname is hostile",
			content: map[string]any{"target_selector": "assets"},
			assets:  []map[string]any{hostile, agentHost},
			want:    []runtime.TargetSpec{spec("192.0.2.11", "a5", "", ""), spec("192.0.2.7", "a1", "ag1", "")},
		},
		{
			name:    "assets automatic skips unspecified, broadcast and multicast addresses",
			content: map[string]any{"target_selector": "assets"},
			assets:  []map[string]any{groupcast},
			want:    []runtime.TargetSpec{spec("192.0.2.12", "a6", "ag6", "")},
		},
		{
			name:    "assets seen_ip that is multicast",
			content: map[string]any{"target_selector": "assets", "target_property_selector": "seen_ip"},
			assets:  []map[string]any{groupcast},
			wantErr: "no targets for selector assets (skipped: asset a6 (seen_ip 239.255.255.250 is multicast))",
		},
		{
			name:    "duplicate asset ids are one target",
			content: map[string]any{"target_selector": "assets"},
			assets:  []map[string]any{agentHost, agentHost},
			want:    []runtime.TargetSpec{spec("192.0.2.7", "a1", "ag1", "")},
		},
		{
			name:    "no usable asset",
			content: map[string]any{"target_selector": "assets"},
			assets:  []map[string]any{loopbackOnly},
			wantErr: "no targets for selector assets (skipped: asset a4 (no hostname and no usable address: 127.0.0.1 is loopback, ::1 is loopback, 169.254.0.3 is link-local))",
		},
		{
			name:    "manual targets are split, trimmed and de-duplicated",
			content: map[string]any{"target_selector": "manual", "targets": " 192.0.2.1, web.example.com,,192.0.2.1 , 2001:db8::1 "},
			want:    []runtime.TargetSpec{{Value: "192.0.2.1"}, {Value: "web.example.com"}, {Value: "2001:db8::1"}},
		},
		{
			name:    "manual hostile target is rejected",
			content: map[string]any{"target_selector": "manual", "targets": "192.0.2.1,-oN/x"},
			wantErr: `invalid inject_content.targets "-oN/x"`,
		},
		{
			name:    "manual unspecified address is rejected",
			content: map[string]any{"target_selector": "manual", "targets": "192.0.2.1, 0.0.0.0"},
			wantErr: `invalid inject_content.targets "0.0.0.0": item 2 of 2: an unspecified address (0.0.0.0) is not a host to scan`,
		},
		{
			name:    "manual unspecified IPv6 address is rejected",
			content: map[string]any{"target_selector": "manual", "targets": "::"},
			wantErr: `invalid inject_content.targets "::": an unspecified address (::) is not a host to scan`,
		},
		{
			name:    "manual broadcast address is rejected",
			content: map[string]any{"target_selector": "manual", "targets": "255.255.255.255"},
			wantErr: `invalid inject_content.targets "255.255.255.255": the limited broadcast address`,
		},
		{
			name:    "manual multicast address is rejected",
			content: map[string]any{"target_selector": "manual", "targets": "web.example.com,ff02::1"},
			wantErr: `invalid inject_content.targets "ff02::1": item 2 of 2: a multicast address (ff00::/8) is not a host to scan`,
		},
		{
			name:    "manual loopback address is accepted",
			content: map[string]any{"target_selector": "manual", "targets": "127.0.0.1,::1"},
			want:    []runtime.TargetSpec{{Value: "127.0.0.1"}, {Value: "::1"}},
		},
		{
			name:    "manual range expands to its addresses",
			content: map[string]any{"target_selector": "manual", "targets": "127.0.0.0/30"},
			want:    []runtime.TargetSpec{{Value: "127.0.0.0"}, {Value: "127.0.0.1"}, {Value: "127.0.0.2"}, {Value: "127.0.0.3"}},
		},
		{
			name:    "manual IPv6 range after an address expands",
			content: map[string]any{"target_selector": "manual", "targets": "192.0.2.1, ::1/128"},
			want:    []runtime.TargetSpec{{Value: "192.0.2.1"}, {Value: "::1"}},
		},
		{
			name:    "manual range past max_targets is rejected",
			content: map[string]any{"target_selector": "manual", "targets": "192.0.2.1, 10.0.0.0/8"},
			wantErr: `invalid inject_content.targets "10.0.0.0/8": item 2 of 2: a range of 16777216 addresses, 16777217 targets with the items before it, more than max_targets (65536)`,
		},
		{
			name:    "manual range of a bad length is rejected as a range",
			content: map[string]any{"target_selector": "manual", "targets": "10.0.0.0/33"},
			wantErr: `invalid inject_content.targets "10.0.0.0/33": not an address nor a CIDR range (e.g. 10.0.0.0/24, 2001:db8::/120)`,
		},
		{
			name:    "manual without targets",
			content: map[string]any{"target_selector": "manual", "targets": " , "},
			wantErr: "no targets for selector manual",
		},
		{
			name:    "asset groups are paged, assets keep their group",
			content: map[string]any{"target_selector": "asset-groups", "target_property_selector": "automatic"},
			groups: []map[string]any{{"asset_group_id": "grp-1", "asset_group_name": "Servers"},
				{"asset_group_id": "grp-2", "asset_group_name": "Laptops"}},
			platformGroups: map[string][]map[string]any{"grp-1": manyAssets[:25], "grp-2": append([]map[string]any{agentless, manyAssets[0]}, manyAssets[25:]...)},
			want: func() []runtime.TargetSpec {
				var out []runtime.TargetSpec
				for i := 0; i < 25; i++ {
					out = append(out, spec(fmt.Sprintf("192.0.2.%d", 100+i), fmt.Sprintf("g%02d", i), "agent", "grp-1"))
				}
				out = append(out, spec("db01.example.com", "a2", "", "grp-2"))
				for i := 25; i < 45; i++ {
					out = append(out, spec(fmt.Sprintf("192.0.2.%d", 100+i), fmt.Sprintf("g%02d", i), "agent", "grp-2"))
				}
				return out
			}(),
			wantPages: 2, // a page of each group: up to 1000 assets a page
		},
		{
			name:      "empty asset group",
			content:   map[string]any{"target_selector": "asset-groups"},
			groups:    []map[string]any{{"asset_group_id": "grp-9", "asset_group_name": "Empty"}},
			wantErr:   "no targets for selector asset-groups",
			wantPages: 1,
		},
		{
			name:    "unknown selector",
			content: map[string]any{"target_selector": "everything"},
			wantErr: `invalid inject_content.target_selector "everything": unknown target selector`,
		},
		{
			name:    "unknown property",
			content: map[string]any{"target_selector": "assets", "target_property_selector": "mac"},
			assets:  []map[string]any{agentHost},
			wantErr: `invalid inject_content.target_property_selector "mac"`,
		},
		{
			name: "contract fields become typed params, platform fields are ignored",
			content: map[string]any{"target_selector": "manual", "targets": "192.0.2.1", "scan_type": []string{"syn"},
				"ports": "22,80", "timing": "4", "service_detection": true, "inject_title_extra": "x",
				"expectations": []map[string]any{{"expectation_type": "PREVENTION", "expectation_name": "P"},
					{"expectation_type": "MANUAL"}, {"expectation_type": "prevention"}}},
			want:       []runtime.TargetSpec{{Value: "192.0.2.1"}},
			wantTypes:  []string{"PREVENTION"},
			wantParams: map[string]any{"scan_type": "syn", "ports": "22,80", "timing": 4, "service_detection": true},
		},
		{
			name: "numbers and empty fields",
			content: map[string]any{"target_selector": "manual", "targets": "192.0.2.1", "timing": 2,
				"ports": "", "scan_type": nil},
			want:       []runtime.TargetSpec{{Value: "192.0.2.1"}},
			wantParams: map[string]any{"timing": 2},
		},
		{
			name:    "bad enum param",
			content: map[string]any{"target_selector": "manual", "targets": "192.0.2.1", "scan_type": "xmas"},
			wantErr: `invalid params.scan_type "xmas": not one of connect, syn, fin`,
		},
		{
			name:    "bad int param",
			content: map[string]any{"target_selector": "manual", "targets": "192.0.2.1", "timing": "fast"},
			wantErr: `invalid params.timing "fast": not an integer`,
		},
		{
			name:    "object where a param is expected",
			content: map[string]any{"target_selector": "manual", "targets": "192.0.2.1", "ports": map[string]any{"a": 1}},
			wantErr: `invalid inject_content.ports`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			for id, assets := range tt.platformGroups {
				e.platform.SetAssetGroup(id, assets...)
			}
			m, err := openaev.ParseMessage(e.message(t, "inj-1", "nmap", tt.content, tt.assets, tt.groups))
			if err != nil {
				t.Fatal(err)
			}
			req, _, err := e.proc.Translate(context.Background(), m)
			if got := len(e.platform.TargetQueries()); got != tt.wantPages {
				t.Errorf("%d target pages asked, want %d", got, tt.wantPages)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Injector != "nmap" || req.InjectID != "inj-1" {
				t.Errorf("injector %q inject %q", req.Injector, req.InjectID)
			}
			if !reflect.DeepEqual(req.Targets, tt.want) {
				t.Errorf("targets =\n%+v\nwant\n%+v", req.Targets, tt.want)
			}
			wantTypes := tt.wantTypes
			if wantTypes == nil {
				wantTypes = []string{"DETECTION", "PREVENTION"} // the manifest's
			}
			if !reflect.DeepEqual(req.ExpectationTypes, wantTypes) {
				t.Errorf("types = %v, want %v", req.ExpectationTypes, wantTypes)
			}
			if len(req.Params) != 0 || len(tt.wantParams) != 0 {
				if !reflect.DeepEqual(req.Params, tt.wantParams) {
					t.Errorf("params = %#v, want %#v", req.Params, tt.wantParams)
				}
			}
		})
	}
}

func TestTranslateAssetGroupQuery(t *testing.T) {
	e := newEnv(t)
	e.platform.SetAssetGroup("grp-1", asset("asset", "a1", "", "192.0.2.1", nil, "ag"))
	m, _ := openaev.ParseMessage(e.message(t, "inj-1", "nmap", map[string]any{"target_selector": "asset-groups"},
		nil, []map[string]any{{"asset_group_id": "grp-1"}}))
	if _, _, err := e.proc.Translate(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	q := e.platform.TargetQueries()
	if len(q) != 1 {
		t.Fatalf("%d queries", len(q))
	}
	// The platform's largest page, sorted: an unsorted page of the
	// platform's is in no order (openaevtest's rule 10), on the current
	// line's names (the host name and seen IP are the Asset's there).
	want := `{"page":0,"size":1000,"filterGroup":{"mode":"or","filters":[{"key":"assetGroups","mode":"or","operator":"contains","values":["grp-1"]}]},` +
		`"sorts":[{"property":"asset_name","direction":"asc"},{"property":"asset_hostname","direction":"asc"},` +
		`{"property":"asset_seen_ip","direction":"asc"},{"property":"asset_external_reference","direction":"asc"}]}`
	if string(q[0].Raw) != want {
		t.Errorf("query = %s\nwant    %s", q[0].Raw, want)
	}
	if q[0].Header.Get("Authorization") != "Bearer "+testToken {
		t.Error("no bearer token on the targets query")
	}
}

func TestTranslateContractLookup(t *testing.T) {
	e := newEnv(t)
	content := map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}
	tests := []struct {
		name, body, want, wantErr string
	}{
		{"injector_contract_id", `{"injection":{"inject_id":"i","inject_injector_contract":{"injector_contract_id":"` +
			e.client.ContractID("noop") + `"},"inject_content":{"target_selector":"manual","targets":"192.0.2.1"}}}`, "noop", ""},
		{"convertedContent", `{"injection":{"inject_id":"i","inject_injector_contract":{"convertedContent":{"contract_id":"` +
			e.client.ContractID("nmap") + `"}},"inject_content":{"target_selector":"manual","targets":"192.0.2.1"}}}`, "nmap", ""},
		{"injector_contract_id in upper case", `{"injection":{"inject_id":"i","inject_injector_contract":{"injector_contract_id":"` +
			strings.ToUpper(e.client.ContractID("noop")) + `"},"inject_content":{"target_selector":"manual","targets":"192.0.2.1"}}}`, "noop", ""},
		{"unknown contract", string(e.message(t, "i", "nuclei", content, nil, nil)), "", "unknown contract"},
		{"no contract", `{"injection":{"inject_id":"i","inject_content":{"targets":"192.0.2.1"}}}`, "", "injector_contract_id: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, ok := e.translate(t, []byte(tt.body), tt.wantErr)
			if ok && req.Injector != tt.want {
				t.Fatalf("injector %q, want %q", req.Injector, tt.want)
			}
		})
	}
}
