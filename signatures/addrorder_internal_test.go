package signatures

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// byScanOrder puts a name's addresses in the order glibc's getaddrinfo
// returns them, the first being the one nmap scans, from the sources a
// fake route lookup gives (no network). The IPv4 cases and IPv6's rules 6
// and 9 were checked against glibc 2.36 (getent ahostsv4 and ahostsv6, in
// a network namespace with those addresses and routes on lo).
func TestByScanOrder(t *testing.T) {
	routes := map[string]string{
		"127.0.0.5":      "127.0.0.1",
		"10.152.0.1":     "10.152.0.1", // an address of the machine
		"10.0.0.2":       "10.0.0.1",
		"10.0.0.4":       "10.0.0.1",
		"10.200.0.9":     "10.0.0.1",
		"169.254.0.1":    "169.254.0.9",
		"169.254.7.7":    "10.0.0.1", // a link-local network routed from a global source
		"::1":            "::1",
		"fd00::2":        "fd00::1",
		"2001:db8::2":    "2001:db8::1",
		"2001:db8:1::9":  "2001:db8::1",
		"2001:db8:80::9": "2001:db8:ff::1",
		"fe80::2%lo":     "fe80::1",
	}
	route := func(a netip.Addr) netip.Addr {
		s, ok := routes[a.String()]
		if !ok {
			return netip.Addr{}
		}
		return netip.MustParseAddr(s)
	}
	cases := []struct {
		name  string
		addrs string // as resolved, in order
		want  string
	}{
		{"rule 8: loopback before global (t152's finding)", "10.152.0.1 127.0.0.5", "127.0.0.5 10.152.0.1"},
		{"rule 8: link-local before global", "10.0.0.4 169.254.0.1", "169.254.0.1 10.0.0.4"},
		{"rule 1: no route last", "192.0.2.1 10.0.0.4", "10.0.0.4 192.0.2.1"},
		{"rule 1: none routed keeps the order", "192.0.2.1 192.0.2.2", "192.0.2.1 192.0.2.2"},
		{"rule 2: a scope not its source's last", "169.254.7.7 10.0.0.4", "10.0.0.4 169.254.7.7"},
		{"rule 9, IPv4: no common-prefix preference", "10.200.0.9 10.0.0.2", "10.200.0.9 10.0.0.2"},
		{"rule 9, IPv4: no common-prefix preference, reversed", "10.0.0.2 10.200.0.9", "10.0.0.2 10.200.0.9"},
		{"rule 9, IPv4: the machine's own address first", "10.200.0.9 10.152.0.1", "10.152.0.1 10.200.0.9"},
		{"rule 10: ties keep the resolver's order", "10.0.0.4 10.0.0.2 10.200.0.9", "10.0.0.4 10.0.0.2 10.200.0.9"},
		{"IPv4-mapped is IPv4", "::ffff:10.152.0.1 ::ffff:127.0.0.5", "127.0.0.5 10.152.0.1"},
		{"IPv6 rule 6: loopback's precedence first", "fd00::2 ::1", "::1 fd00::2"},
		{"IPv6 rule 8: link-local before global, zone kept", "2001:db8::2 fe80::2%lo", "fe80::2%lo 2001:db8::2"},
		{"IPv6 rule 9: longer prefix with the source first", "2001:db8:80::9 2001:db8:1::9", "2001:db8:1::9 2001:db8:80::9"},
		{"IPv6 rule 1: no route last", "2001:db8::77 fd00::2", "fd00::2 2001:db8::77"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var addrs []netip.Addr
			for _, s := range strings.Fields(tc.addrs) {
				addrs = append(addrs, netip.MustParseAddr(s))
			}
			in := slices.Clone(addrs)
			var got []string
			for _, a := range byScanOrder(addrs, route) {
				got = append(got, a.String())
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("order of %s: %s, want %s", tc.addrs, g, tc.want)
			}
			if !slices.Equal(addrs, in) {
				t.Errorf("addrs changed to %v", addrs)
			}
		})
	}
}
