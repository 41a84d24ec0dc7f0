package openaevtest_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// agents is an asset_agents list: each id primary, but "child:ID" (an
// agent_parent) and "inject:ID" (an agent_inject), Caldera's implants.
func agents(ids ...string) []any {
	var out []any
	for _, id := range ids {
		a := map[string]any{"agent_id": id}
		if rest, ok := strings.CutPrefix(id, "child:"); ok {
			a["agent_id"], a["agent_parent"] = rest, "primary"
		}
		if rest, ok := strings.CutPrefix(id, "inject:"); ok {
			a["agent_id"], a["agent_inject"] = rest, "inj-caldera"
		}
		out = append(out, a)
	}
	return out
}

// targetsPage asks page of group g, size rows, sorted on the host name.
func targetsPage(t *testing.T, p *openaevtest.Platform, g string, page, size int) map[string]any {
	t.Helper()
	st, r := postJSON(t, p, "/api/endpoints/targets", map[string]any{"page": page, "size": size,
		"sorts": []map[string]any{{"property": "asset_hostname"}},
		"filterGroup": map[string]any{"mode": "or", "filters": []map[string]any{{"key": "assetGroups", "mode": "or",
			"operator": "contains", "values": []string{g}}}}})
	if st != 200 {
		t.Fatalf("page %d: %d %v", page, st, r)
	}
	return r
}

// TestTargetsManagedEndpoints (rule 10): 2.4.0's targets search returns
// an endpoint only when it has no agent or a primary one
// (EndpointService.searchManagedEndpoints, findEndpointsForInjectionOrAgentlessEndpoints),
// and answers its agents as AgentOutput writes them, which says nothing
// of a parent or an inject.
func TestTargetsManagedEndpoints(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	p.SetAssetGroup("g",
		map[string]any{"asset_id": "agentless", "endpoint_hostname": "h1"},
		map[string]any{"asset_id": "primary", "endpoint_hostname": "h2", "asset_agents": agents("a1")},
		map[string]any{"asset_id": "children-only", "endpoint_hostname": "h3", "asset_agents": agents("child:a2")},
		map[string]any{"asset_id": "inject-only", "endpoint_hostname": "h4", "asset_agents": agents("inject:a3", "child:a4")},
		map[string]any{"asset_id": "mixed", "endpoint_hostname": "h5", "asset_agents": agents("a5", "child:a6")},
	)
	r := targetsPage(t, p, "g", 0, 1000)
	var ids []string
	for _, row := range r["content"].([]any) {
		e := row.(map[string]any)
		ids = append(ids, e["asset_id"].(string))
		list, _ := e["asset_agents"].([]any)
		for _, a := range list {
			if _, ok := a.(map[string]any)["agent_parent"]; ok {
				t.Errorf("%s: agent %v carries agent_parent, which AgentOutput does not write", e["asset_id"], a)
			}
			if _, ok := a.(map[string]any)["agent_inject"]; ok {
				t.Errorf("%s: agent %v carries agent_inject, which AgentOutput does not write", e["asset_id"], a)
			}
		}
		if e["asset_id"] == "mixed" && len(list) != 2 {
			t.Errorf("mixed: agents %v, want both (its endpoint's agents, all of them)", list)
		}
	}
	if want := []string{"agentless", "primary", "mixed"}; !slices.Equal(ids, want) {
		t.Errorf("endpoints %v, want %v: one whose agents are all Caldera's implants is no target", ids, want)
	}
	if r["totalElements"] != float64(3) {
		t.Errorf("totalElements %v, want 3", r["totalElements"])
	}
}

// TestTargetsCountsAgentRows (rule 10): Spring Data computes a page's
// totalElements from its rows when the page is short, else with a count
// query, which the search's GROUP BY over its agents join turns into one
// count per endpoint, summed: an endpoint counts once per primary agent.
func TestTargetsCountsAgentRows(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	var group []map[string]any
	for i := range 3 { // each with two primary agents and a child
		group = append(group, map[string]any{"asset_id": fmt.Sprintf("e%d", i), "endpoint_hostname": fmt.Sprintf("h%d", i),
			"asset_agents": agents(fmt.Sprintf("p%d", i), fmt.Sprintf("q%d", i), fmt.Sprintf("child:c%d", i))})
	}
	p.SetAssetGroup("g", group...)
	tests := []struct {
		name        string
		page, size  int
		rows, total int
		last        bool
	}{
		{"one short page: its rows", 0, 1000, 3, 3, true},
		{"a full first page: the count query", 0, 2, 2, 6, false},
		{"a short later page: its offset and rows", 1, 2, 1, 3, true},
		{"a full page, all rows: the count query", 0, 3, 3, 6, false},
		{"the empty page after: the count query", 1, 3, 0, 6, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := targetsPage(t, p, "g", tt.page, tt.size)
			if n := len(r["content"].([]any)); n != tt.rows || r["totalElements"] != float64(tt.total) || r["last"] != tt.last {
				t.Errorf("%d rows, totalElements %v, last %v; want %d, %d, %v", n, r["totalElements"], r["last"], tt.rows, tt.total, tt.last)
			}
		})
	}
}

// TestTargetOutputAddresses: 2.4.0 writes an endpoint's endpoint_ips
// (EndpointMapper.toEndpointTargetOutput) lower-cased, without
// 127.0.0.1, ::1 and 169.254.0.0 (Endpoint.BAD_IP_ADDRESSES), each once,
// in the order Java's HashSet of them iterates (String.hashCode's
// buckets), and its seen IP as stored.
func TestTargetOutputAddresses(t *testing.T) {
	tests := []struct {
		name string
		ips  []any
		want []string
	}{
		// The wants are what Java 17's HashSet printed for these lists.
		{"loopback and the link-local network left out", []any{"127.0.0.1", "192.0.2.5", "::1", "169.254.0.0", "169.254.0.1"},
			[]string{"192.0.2.5", "169.254.0.1"}},
		{"lower-cased, each once", []any{"FE80::1", "fe80::1", "2001:DB8::7"}, []string{"2001:db8::7", "fe80::1"}},
		{"in HashSet order, not as stored", []any{"10.0.0.2", "10.0.0.1", "192.168.1.10"},
			[]string{"192.168.1.10", "10.0.0.2", "10.0.0.1"}},
		{"twenty, a table of 32 buckets", twentyIPs(), []string{"10.1.2.16", "10.1.3.17", "10.1.2.2", "10.1.0.14", "10.1.1.15",
			"10.1.1.1", "10.1.4.18", "10.1.5.19", "10.1.1.8", "10.1.4.4", "10.1.0.7", "10.1.3.3", "10.1.4.11", "10.1.5.12",
			"10.1.6.13", "10.1.3.10", "10.1.6.20", "10.1.6.6", "10.1.2.9", "10.1.5.5"}},
		{"none left", []any{"127.0.0.1"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := map[string]any{"asset_id": "a1", "endpoint_ips": tt.ips, "endpoint_seen_ip": "127.0.0.1"}
			out := openaevtest.TargetOutput(e)
			got, _ := out["endpoint_ips"].([]string)
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("endpoint_ips %#v, want %q", out["endpoint_ips"], tt.want)
			}
			if out["endpoint_seen_ip"] != "127.0.0.1" {
				t.Errorf("endpoint_seen_ip %v, want it as stored", out["endpoint_seen_ip"])
			}
			if ips := e["endpoint_ips"].([]any); len(ips) != len(tt.ips) {
				t.Errorf("the endpoint itself changed: %v", ips)
			}
		})
	}
}

// TestTargetOutputAddressesCurrentSpelling: the current line names an
// endpoint's addresses asset_ips and asset_seen_ip (Asset.java) and its
// EndpointMapper.toEndpointTargetOutput sanitizes them as 2.4.0's did
// (setIps): a message or a page of the current spelling never holds
// 127.0.0.1, ::1 or 169.254.0.0, nor an address twice.
func TestTargetOutputAddressesCurrentSpelling(t *testing.T) {
	e := map[string]any{"asset_id": "a1", "asset_ips": []any{"127.0.0.1", "FE80::1", "fe80::1", "::1", "192.0.2.5"},
		"asset_seen_ip": "127.0.0.1"}
	out := openaevtest.TargetOutput(e)
	if got, _ := out["asset_ips"].([]string); got == nil || !slices.Equal(got, []string{"fe80::1", "192.0.2.5"}) {
		t.Errorf("asset_ips %#v, want [fe80::1 192.0.2.5] (HashSet order)", out["asset_ips"])
	}
	if out["asset_seen_ip"] != "127.0.0.1" {
		t.Errorf("asset_seen_ip %v, want it as stored", out["asset_seen_ip"])
	}
	if len(e["asset_ips"].([]any)) != 5 {
		t.Errorf("the endpoint itself changed: %v", e["asset_ips"])
	}
}

// twentyIPs is 10.1.(i%7).i for i from 1 to 20.
func twentyIPs() []any {
	var out []any
	for i := 1; i <= 20; i++ {
		out = append(out, fmt.Sprintf("10.1.%d.%d", i%7, i))
	}
	return out
}

// TestTargetOutputHostnameLowerCased: the platform stores an endpoint's
// hostname lower-cased (2.4.0 Endpoint.setHostname, every path that
// writes one calls it; migration V3_66 lower-cased the rows before it),
// so a message's or a page's endpoint_hostname, and the current line's
// asset_hostname, never holds a capital, whatever was entered; the
// endpoint given is left as it is.
func TestTargetOutputHostnameLowerCased(t *testing.T) {
	for _, k := range []string{"endpoint_hostname", "asset_hostname"} {
		for _, tt := range []struct{ in, want string }{
			{"WEB01.Example.COM", "web01.example.com"},
			{"Web01.example:8080", "web01.example:8080"},
			{"web01", "web01"},
			{"\u0130stanbul", "i\u0307stanbul"}, // Java's toLowerCase, outside the Turkish locale
		} {
			e := map[string]any{"asset_id": "a1", k: tt.in}
			if got := openaevtest.TargetOutput(e)[k]; got != tt.want {
				t.Errorf("%s %q written %q, want %q", k, tt.in, got, tt.want)
			}
			if e[k] != tt.in {
				t.Errorf("the endpoint itself changed: %v", e[k])
			}
		}
	}
}
