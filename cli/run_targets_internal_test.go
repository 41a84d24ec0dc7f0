package cli

import (
	"net/netip"
	"testing"
)

// v4Set finds every repeated address, across blocks and back again,
// extreme addresses included.
func TestV4Set(t *testing.T) {
	var s v4Set
	addrs := []netip.Addr{netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("255.255.255.255")}
	for i := range 3000 {
		addrs = append(addrs, netip.AddrFrom4([4]byte{10, byte(i >> 8 % 3), byte(i * 7), byte(i)}))
	}
	seen := map[netip.Addr]bool{}
	for range 2 {
		for _, a := range addrs {
			if got := s.add(a); got != seen[a] {
				t.Fatalf("add(%s): %v, want %v", a, got, seen[a])
			}
			seen[a] = true
		}
	}
}
