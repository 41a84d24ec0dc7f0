package nmap

import (
	"net/netip"
	"reflect"
	"strconv"
	"testing"

	"github.com/injectkit/injectkit/internal/contracttest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

// rowsOf returns a findings list of objects.
func rowsOf(t *testing.T, doc map[string]any, field string) []map[string]any {
	t.Helper()
	v, ok := doc[field]
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("%s = %T, want a list", field, v)
	}
	rows := make([]map[string]any, len(list))
	for i, x := range list {
		if rows[i], ok = x.(map[string]any); !ok {
			t.Fatalf("%s[%d] = %T, want an object", field, i, x)
		}
	}
	return rows
}

// TestScanResultsRows: in every captured case, each scan_results row is a
// portscan row of a target (asset_id, host and service strings, an integer
// port, no unmatched flag), and the ports of hosts that match no target are
// in unmatched_results only.
func TestScanResultsRows(t *testing.T) {
	testkit.Cases(t, goldenCases, func(t *testing.T, dir string) {
		_, _, out := executeCase(t, dir)
		doc := contracttest.RoundTrip(t, out.Findings)
		for i, r := range rowsOf(t, doc, FieldScanResults) {
			for _, k := range []string{"host", "service", "target"} {
				if _, ok := r[k].(string); !ok {
					t.Errorf("scan_results[%d].%s = %#v, want a string", i, k, r[k])
				}
			}
			if a, present := r["asset_id"]; present && (a == "" || a == nil) {
				t.Errorf("scan_results[%d].asset_id = %#v, want an id or no asset_id", i, a)
			}
			if p, ok := r["port"].(float64); !ok || p != float64(int(p)) || p < 1 {
				t.Errorf("scan_results[%d].port = %#v, want an integer", i, r["port"])
			}
			if _, ok := r["asset"]; ok {
				t.Errorf("scan_results[%d] still carries asset", i)
			}
			if _, ok := r["unmatched"]; ok {
				t.Errorf("scan_results[%d] is an unmatched host's row", i)
			}
		}
		hosts := map[string]bool{}
		for _, h := range stringsOf(doc[FieldUnmatchedHosts]) {
			hosts[h] = true
		}
		for i, r := range rowsOf(t, doc, FieldUnmatchedResults) {
			if _, asset := r["asset_id"]; r["unmatched"] != true || asset || !hosts[r["host"].(string)] {
				t.Errorf("unmatched_results[%d] = %v, want an unmatched host's row", i, r)
			}
		}
	})
}

func stringsOf(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// TestBuildReportAttribution: rows of matched hosts carry their target's
// asset id (empty for a target without one), rows of other hosts are kept
// apart.
func TestBuildReportAttribution(t *testing.T) {
	open := func(n int) port {
		p := port{Protocol: "tcp", ID: strconv.Itoa(n)}
		p.State.State = "open"
		p.Service.Name = "svc"
		return p
	}
	hostAt := func(addr string, ports ...port) host {
		return host{Addresses: []address{{Addr: addr, Type: "ipv4"}}, Ports: ports}
	}
	tests := []struct {
		name        string
		assets      []string // one target per asset, 127.0.0.1, 127.0.0.2, …
		hosts       []host
		wantResults []string // asset_id@host:port
		wantStrays  []string
	}{
		{"matched", []string{"a1"}, []host{hostAt("127.0.0.1", open(22))}, []string{"a1@127.0.0.1:22"}, nil},
		{"target without asset", []string{""}, []host{hostAt("127.0.0.1", open(22))}, []string{"@127.0.0.1:22"}, nil},
		{"unmatched host", []string{"a1"}, []host{hostAt("127.0.0.1", open(22)), hostAt("127.0.0.9", open(80))},
			[]string{"a1@127.0.0.1:22"}, []string{"@127.0.0.9:80"}},
		{"only unmatched", []string{"a1"}, []host{hostAt("127.0.0.9", open(80), open(443))},
			nil, []string{"@127.0.0.9:80", "@127.0.0.9:443"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var targets []scanTarget
			for i, a := range tt.assets {
				addr := netip.AddrFrom4([4]byte{127, 0, 0, byte(i + 1)})
				targets = append(targets, scanTarget{index: i, value: addr.String(), addr: addr,
					meta: signatures.Attribution{Asset: a}})
			}
			r := buildReport(targets, tt.hosts)
			if got := rowKeys(r.results); !reflect.DeepEqual(got, tt.wantResults) {
				t.Errorf("results = %q, want %q", got, tt.wantResults)
			}
			if got := rowKeys(r.strays); !reflect.DeepEqual(got, tt.wantStrays) {
				t.Errorf("unmatched rows = %q, want %q", got, tt.wantStrays)
			}
			f := r.findings("", true)
			if _, ok := f[FieldUnmatchedResults]; ok != (len(tt.wantStrays) > 0) {
				t.Errorf("unmatched_results present = %v, want %v", ok, len(tt.wantStrays) > 0)
			}
		})
	}
}

// TestBuildReportOneRowPerTargetAndPort: nmap reports a host once per
// input naming it (127.0.0.1, and localhost resolved to it); the address
// target matches both reports, and still gets one row per port.
func TestBuildReportOneRowPerTargetAndPort(t *testing.T) {
	open22 := port{Protocol: "tcp", ID: "22"}
	open22.State.State = "open"
	lo := []address{{Addr: "127.0.0.1", Type: "ipv4"}}
	hosts := []host{
		{Addresses: lo, Ports: []port{open22}},
		{Addresses: lo, Hostnames: []hostname{{Name: "localhost", Type: "user"}}, Ports: []port{open22}},
	}
	targets := []scanTarget{
		{index: 0, value: "127.0.0.1", addr: netip.MustParseAddr("127.0.0.1"), meta: signatures.Attribution{Asset: "asset-1"}},
		{index: 1, value: "localhost", name: "localhost", meta: signatures.Attribution{Asset: "asset-2"}},
	}
	r := buildReport(targets, hosts)
	if got, want := rowKeys(r.results), []string{"asset-1@127.0.0.1:22", "asset-2@127.0.0.1:22"}; !reflect.DeepEqual(got, want) {
		t.Errorf("results = %q, want %q", got, want)
	}
	if f := r.perTarget[0]; f == nil || len(f.ports) != 1 {
		t.Errorf("target 0 finds %+v, want port 22 once", f)
	}
}

func rowKeys(rows []ScanResult) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.AssetID+"@"+r.Host+":"+strconv.Itoa(r.Port))
	}
	return out
}
