package signatures

import (
	"errors"
	"net/netip"
	"testing"
)

// After cellsAfter lookups, an address in a cell whose source a lookup
// found gets it without a lookup; not an address whose source was itself
// (a local route without a preferred source), a failed lookup's cell, a
// multipath family, a multicast or IPv6 link-local address.
func TestRouteSharesACellsSource(t *testing.T) {
	part := &cellPartition{}
	for _, s := range []string{"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.9.0.0/16", "10.8.0.0/16", "::/0", "fe80::/10", "ff00::/8"} {
		part.add(netip.MustParsePrefix(s))
	}
	part.multipath[family6] = true
	answers := map[netip.Prefix]func(netip.Addr) (netip.Addr, error){
		netip.MustParsePrefix("10.1.0.0/16"): func(netip.Addr) (netip.Addr, error) { return netip.MustParseAddr("10.1.0.1"), nil },
		netip.MustParsePrefix("10.9.0.0/16"): func(a netip.Addr) (netip.Addr, error) { return a, nil }, // local, no preferred source
		netip.MustParsePrefix("10.8.0.0/16"): func(netip.Addr) (netip.Addr, error) { return netip.Addr{}, errors.New("unreachable") },
		netip.MustParsePrefix("10.0.0.0/8"):  func(netip.Addr) (netip.Addr, error) { return netip.MustParseAddr("10.0.0.1"), nil },
		netip.MustParsePrefix("0.0.0.0/0"):   func(netip.Addr) (netip.Addr, error) { return netip.MustParseAddr("192.0.2.1"), nil },
		netip.MustParsePrefix("::/0"):        func(netip.Addr) (netip.Addr, error) { return netip.MustParseAddr("2001:db8::1"), nil },
	}
	asked := map[netip.Addr]int{}
	route := func(dst netip.Addr) (netip.Addr, error) {
		asked[dst]++
		c, _ := part.fams[map[bool]int{true: family4, false: family6}[dst.Is4()]].cell(dst)
		if c.Addr().Is6() && c.Bits() > 0 {
			return netip.MustParseAddr("fe80::1"), nil
		}
		return answers[c](dst)
	}
	m := NewManager(WithResolver(Resolver{Route: route, cells: func() (*cellPartition, error) { return part, nil }}))
	r := m.RouteSources()
	for i := range cellsAfter { // before the partition: each looked up
		r.route(netip.AddrFrom4([4]byte{10, 2, 0, byte(i)}))
	}
	if r.part != part {
		t.Fatalf("after %d lookups the partition was not taken", cellsAfter)
	}
	tests := []struct {
		dst, want string
		lookedUp  bool
	}{
		{"10.1.0.5", "10.1.0.1", true},
		{"10.1.200.7", "10.1.0.1", false},
		{"10.3.0.1", "10.0.0.1", true}, // the /8's first since the partition
		{"10.4.0.1", "10.0.0.1", false},
		{"10.9.0.5", "10.9.0.5", true},
		{"10.9.0.6", "10.9.0.6", true},
		{"10.8.0.1", "", true},
		{"10.8.0.2", "", true},
		{"2001:db8::5", "2001:db8::1", true},
		{"2001:db8::6", "2001:db8::1", true}, // multipath IPv6
		{"224.0.0.1", "192.0.2.1", true},
		{"224.0.0.2", "192.0.2.1", true}, // multicast
		{"192.0.2.9", "192.0.2.1", true},
		{"198.51.100.1", "192.0.2.1", false},
		{"::ffff:10.1.0.9", "10.1.0.1", false}, // its IPv4 address's cell
	}
	for _, tt := range tests {
		dst := netip.MustParseAddr(tt.dst)
		if got := r.route(dst); got != tt.want {
			t.Errorf("route(%s) = %q, want %q", dst, got, tt.want)
		}
		if got := asked[dst] == 1; got != tt.lookedUp {
			t.Errorf("route(%s): looked up %d times, want looked up: %v", dst, asked[dst], tt.lookedUp)
		}
	}
}
