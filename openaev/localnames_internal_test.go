package openaev

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// stubHosts resolves names from a table, as the runtime's resolver would:
// a name it does not hold does not resolve. It records the names asked.
type stubHosts struct {
	addrs map[string][]string
	asked []string
}

func (s *stubHosts) LookupHosts(_ context.Context, names []string) map[string][]netip.Addr {
	s.asked = append(s.asked, names...)
	out := map[string][]netip.Addr{}
	for _, n := range names {
		for _, a := range s.addrs[n] {
			out[n] = append(out[n], netip.MustParseAddr(a))
		}
	}
	return out
}

// An asset's host name is held to the rule of its addresses: one that is
// loopback by name (localhost, whatever its case or trailing dot), an
// address given as a name, or a name the resolver maps only to loopback
// or link-local addresses (the machine's own name, 127.0.1.1 on Debian)
// is skipped, naming why, and automatic mode goes on to the asset's
// addresses; a name that resolves to a usable address, or does not
// resolve (left to the injector), is the target.
func TestAssetHostNameResolvingToLoopbackIsSkipped(t *testing.T) {
	hosts := &stubHosts{addrs: map[string][]string{
		"box.lan":   {"127.0.1.1"},
		"both.lan":  {"::1", "fe80::1"},
		"mixed.lan": {"127.0.0.1", "192.0.2.5"},
		"ll.lan":    {"fe80::2"},
	}}
	tests := []struct {
		name string
		a    Asset
		prop string
		want string // the target, "" when skipped
		why  string // the skip reason, when skipped
	}{
		{"localhost", Asset{ID: "a", Hostname: "localhost"}, PropertyHostname, "",
			"asset a (hostname localhost is loopback)"},
		{"LOCALHOST.", Asset{ID: "a", Hostname: "LOCALHOST."}, PropertyHostname, "",
			"asset a (hostname LOCALHOST. is loopback)"},
		{"a localhost subdomain", Asset{ID: "a", Hostname: "db.localhost"}, PropertyHostname, "",
			"asset a (hostname db.localhost is loopback)"},
		{"an address as a name", Asset{ID: "a", Hostname: "127.0.0.1"}, PropertyHostname, "",
			"asset a (hostname 127.0.0.1 is loopback)"},
		{"the machine's own name", Asset{ID: "a", Hostname: "BOX.lan."}, PropertyHostname, "",
			"asset a (hostname BOX.lan. resolves to no usable address (127.0.1.1 is loopback))"},
		{"loopback and link-local", Asset{ID: "a", Hostname: "both.lan"}, PropertyHostname, "",
			"asset a (hostname both.lan resolves to no usable address (::1 is loopback, fe80::1 is link-local))"},
		{"link-local", Asset{ID: "a", Hostname: "ll.lan"}, PropertyHostname, "",
			"asset a (hostname ll.lan resolves to no usable address (fe80::2 is link-local))"},
		{"one usable address", Asset{ID: "a", Hostname: "mixed.lan"}, PropertyHostname, "mixed.lan", ""},
		{"does not resolve", Asset{ID: "a", Hostname: "gone.lan"}, PropertyHostname, "gone.lan", ""},
		{"automatic: the seen_ip instead", Asset{ID: "a", Hostname: "box.lan", SeenIP: "192.0.2.7"}, PropertyAutomatic, "192.0.2.7", ""},
		{"automatic: nothing usable", Asset{ID: "a", Hostname: "localhost", IPs: []string{"127.0.0.1"}}, PropertyAutomatic, "",
			"asset a (hostname localhost is loopback and no usable address: 127.0.0.1 is loopback)"},
		{"automatic: an agent's host name is not resolved", Asset{ID: "a", Hostname: "box.lan", SeenIP: "192.0.2.8", Agents: []string{"ag"}},
			PropertyAutomatic, "192.0.2.8", ""},
	}
	for _, selector := range []string{SelectorAssets, SelectorAssetGroups} {
		for _, tt := range tests {
			t.Run(selector+"/"+tt.name, func(t *testing.T) {
				hosts.asked = nil
				content := map[string]json.RawMessage{
					KeyTargetSelector:         json.RawMessage(`"` + selector + `"`),
					KeyTargetPropertySelector: json.RawMessage(`"` + tt.prop + `"`),
				}
				m := &Message{Injection: Injection{InjectID: "i", Content: content}}
				var pager targetPager
				if selector == SelectorAssets {
					m.Assets = []Asset{tt.a}
				} else {
					m.AssetGroups = []AssetGroup{{ID: "g"}}
					pager = groupPager{"g": {tt.a}}
				}
				sel, err := resolveTargets(context.Background(), m, pager, hosts, DefaultMaxTargets)
				if tt.want != "" {
					if err != nil || len(sel.Specs) != 1 || sel.Specs[0].Value != tt.want {
						t.Fatalf("targets %+v, %v; want %s", sel, err, tt.want)
					}
					return
				}
				if err == nil {
					t.Fatalf("targets %+v, want the asset skipped", sel.Specs)
				}
				if !slices.Equal(sel.Skipped, []string{tt.why}) || !strings.Contains(err.Error(), tt.why) {
					t.Errorf("skipped %q (%v), want %q", sel.Skipped, err, tt.why)
				}
				if slices.ContainsFunc(hosts.asked, func(n string) bool { return localhostName(n) || validAddr(n) }) {
					t.Errorf("looked up %q: localhost names and addresses need no lookup", hosts.asked)
				}
			})
		}
	}
}
