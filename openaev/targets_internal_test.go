package openaev

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// Manual targets drop repeats as the CLI does: any form of one address,
// a host name in any case or with its trailing dot, is one target, kept
// as first written.
func TestManualTargetsDropRepeatsAsTheCLI(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{"::1,0:0:0:0:0:0:0:1,localhost,LOCALHOST", []string{"::1", "localhost"}},
		{"127.0.0.1, ::ffff:127.0.0.1", []string{"127.0.0.1"}},
		{"FD00::2,fd00::2,web.example.com.,Web.Example.com", []string{"FD00::2", "web.example.com."}},
		{"fe80::1%eth0,fe80::1%eth1", []string{"fe80::1%eth0", "fe80::1%eth1"}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			specs, err := manualTargets(tt.raw, DefaultMaxTargets)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range specs {
				got = append(got, s.Value)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("manualTargets(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

// An asset's value is in the canonical form the wire carries: an
// IPv4-mapped seen_ip is its IPv4 address, an IPv6 address compressed in
// lower case, a host name in lower case; a fully-qualified host name
// (trailing dot) is a host name, not a reason to fall back to the IP.
func TestAssetValueCanonical(t *testing.T) {
	tests := []struct {
		name string
		a    Asset
		prop string
		want string
	}{
		{"mapped seen_ip", Asset{ID: "a", SeenIP: "::ffff:10.0.0.4", Agents: []string{"g"}}, PropertySeenIP, "10.0.0.4"},
		{"mapped seen_ip, automatic", Asset{ID: "a", SeenIP: "::ffff:10.0.0.4", Agents: []string{"g"}}, PropertyAutomatic, "10.0.0.4"},
		{"upper-case ip", Asset{ID: "a", IPs: []string{" FD00:0:0::2 "}}, PropertyLocalIP, "fd00::2"},
		{"fully-qualified agentless", Asset{ID: "a", Hostname: "web.example.com.", SeenIP: "192.0.2.7"}, PropertyAutomatic, "web.example.com"},
		{"upper-case host name", Asset{ID: "a", Hostname: "WEB.Example.com"}, PropertyHostname, "web.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, why := assetValue(tt.a, tt.prop, nil, ""); got != tt.want {
				t.Errorf("assetValue(%+v, %s) = %q (%s), want %q", tt.a, tt.prop, got, why, tt.want)
			}
		})
	}
}

// An asset skipped gets the reason that applies, naming the values it
// rejected: in automatic mode a valid host name of an asset with an
// agent is not used, which is not "no usable hostname".
func TestAssetValueSkipReason(t *testing.T) {
	tests := []struct {
		name    string
		a       Asset
		prop    string
		want    []string // each in the reason
		wantNot []string
	}{
		{"agent, localhost, loopback ip", Asset{ID: "L3", Hostname: "localhost", IPs: []string{"127.0.0.1"}, Agents: []string{"ag"}},
			PropertyAutomatic, []string{"has an agent", "127.0.0.1 is loopback", "hostname localhost only for agentless endpoints"},
			[]string{"no usable hostname", "no hostname"}},
		{"agent, hostname, loopback seen_ip and link-local ip", Asset{ID: "a", Hostname: "web01", SeenIP: "127.0.0.1", IPs: []string{"fe80::1"}, Agents: []string{"ag"}},
			PropertyAutomatic, []string{"has an agent", "127.0.0.1 is loopback", "fe80::1 is link-local", "hostname web01 "}, nil},
		{"no hostname, loopback ips", Asset{ID: "L4", IPs: []string{"127.0.0.1", "::1"}},
			PropertyAutomatic, []string{"no hostname", "no usable address: 127.0.0.1 and ::1 are loopback"}, []string{"agentless"}},
		{"nothing at all", Asset{ID: "k2", Agents: []string{"ag"}},
			PropertyAutomatic, []string{"no hostname", "no seen_ip or ip"}, nil},
		{"hostile hostname, no ip", Asset{ID: "h", Hostname: "-oN/x"},
			PropertyAutomatic, []string{`hostname "-oN/x" is not a valid target`, "no seen_ip or ip"}, []string{"agentless"}},
		{"seen_ip multicast", Asset{ID: "m", SeenIP: "224.0.0.1", Agents: []string{"ag"}},
			PropertySeenIP, []string{"seen_ip 224.0.0.1 is multicast"}, nil},
		{"local_ip loopback", Asset{ID: "l", IPs: []string{"127.0.0.1"}},
			PropertyLocalIP, []string{"no usable address: 127.0.0.1 is loopback"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSkipped(t, tt.a, tt.prop, tt.want, tt.wantNot)
		})
	}
}

// TestContentStringForms checks what a content field reads as in each
// form a JSON value can take, and that a plain string (no escape, the
// targets and selectors the platform sends) is read with one allocation,
// the string itself, not through a json.Decoder and its buffer.
func TestContentStringForms(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    string
		wantErr bool
		allocs  float64 // most allocations a read may take; 0: not checked
	}{
		{name: "plain string", raw: `"127.0.0.1"`, want: "127.0.0.1", allocs: 1},
		{name: "UTF-8", raw: `"héte.example"`, want: "héte.example", allocs: 1},
		{name: "empty string", raw: `""`, want: ""},
		{name: "escaped quote", raw: `"a\"b"`, want: `a"b`},
		{name: "unicode escape", raw: `"\u00e9"`, want: "é"},
		{name: "invalid UTF-8", raw: "\"a\xffb\"", want: "a\ufffdb"},
		{name: "control character", raw: "\"a\tb\"", wantErr: true},
		{name: "spaces around", raw: ` "x" `, want: "x"},
		{name: "bytes after the string", raw: `"a" "b"`, want: "a"},
		{name: "list of one", raw: `["manual"]`, want: "manual"},
		{name: "empty list", raw: `[]`, want: ""},
		{name: "list of two", raw: `["a","b"]`, wantErr: true},
		{name: "number", raw: `12.50`, want: "12.50"},
		{name: "boolean", raw: `true`, want: "true"},
		{name: "null", raw: `null`, want: ""},
		{name: "object", raw: `{"a":1}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Injection{Content: map[string]json.RawMessage{"targets": json.RawMessage(tt.raw)}}
			got, err := in.contentString("targets")
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("contentString(%s) = %q, %v; want %q, error %v", tt.raw, got, err, tt.want, tt.wantErr)
			}
			if tt.allocs == 0 {
				return
			}
			if n := testing.AllocsPerRun(100, func() { _, _ = in.contentString("targets") }); n > tt.allocs {
				t.Errorf("contentString(%s) allocated %.0f times, want at most %.0f", tt.raw, n, tt.allocs)
			}
		})
	}
}

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
				sel, err := resolveTargets(context.Background(), m, pager, hosts, DefaultMaxTargets, "")
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

// FuzzManualTargets checks that whatever the platform sends as manual
// targets, every accepted target is a valid network target that cannot be
// read as an option, none is repeated, and they are no more than the
// limit, a range's addresses counted.
func FuzzManualTargets(f *testing.F) {
	for _, s := range []string{"192.0.2.1, web.example.com", "-oN/x", "a,,a", " 2001:db8::1 ,fe80::1%eth0",
		"192.0.2.0/24", "127.0.0.0/30,::1/128", "10.0.0.0/8", "host name", "$(id)", "…", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		const limit = 1024
		specs, err := manualTargets(raw, limit)
		if len(specs) > limit {
			t.Fatalf("%d targets, more than the limit %d", len(specs), limit)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "inject_content.targets") {
				t.Fatalf("error does not name the field: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, s := range specs {
			if strings.HasPrefix(s.Value, "-") || strings.TrimSpace(s.Value) != s.Value || s.Value == "" {
				t.Fatalf("accepted %q", s.Value)
			}
			if err := signatures.ClassifyNetworkTarget(s.Value).Validate(); err != nil {
				t.Fatalf("accepted invalid %q: %v", s.Value, err)
			}
			if seen[s.Key()] {
				t.Fatalf("duplicate %q", s.Value)
			}
			seen[s.Key()] = true
		}
	})
}

// FuzzAssetValue checks that the value picked for an asset, whatever its
// fields, is empty or a usable, valid target.
func FuzzAssetValue(f *testing.F) {
	f.Add("web.example.com", "192.0.2.7", "127.0.0.1", "192.0.2.5", true, "automatic")
	f.Add("-oN/x", "::1", "fe80::1", "0.0.0.0", false, "hostname")
	f.Add("", "169.254.1.1", "", "", true, "seen_ip")
	f.Add("h", "", "x", "2001:db8::5", false, "local_ip")
	f.Fuzz(func(t *testing.T, host, seen, ip1, ip2 string, agent bool, prop string) {
		a := Asset{ID: "a", Hostname: host, SeenIP: seen, IPs: []string{ip1, ip2}}
		if agent {
			a.Agents = []string{"ag"}
		}
		v, why := assetValue(a, prop, nil, "")
		if v == "" {
			if why == "" {
				t.Fatal("no value and no reason")
			}
			return
		}
		if err := validTarget(v); err != nil {
			t.Fatalf("picked invalid %q: %v", v, err)
		}
		if strings.HasPrefix(v, "-") {
			t.Fatalf("picked %q", v)
		}
		// A host name is picked in its canonical form (lower case, no
		// trailing dot), as every target is keyed.
		if v != signatures.CanonicalTarget(strings.TrimSpace(host)) && !usableIP(v) {
			t.Fatalf("picked unusable address %q", v)
		}
	})
}
