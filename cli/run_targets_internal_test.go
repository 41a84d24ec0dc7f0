package cli

import (
	"net/netip"
	"testing"

	"github.com/injectkit/injectkit/runtime"
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

// A CIDR range added to a list partly full makes room for its addresses
// exactly: append's growth rule left up to a quarter of the list empty.
func TestTargetListGrowsExactly(t *testing.T) {
	tests := []struct {
		name   string
		before int
		cidr   string
	}{
		{"a /23 after 1000 targets", 1000, "10.1.0.0/23"},
		{"a /16 after 40000 targets", 40_000, "10.2.0.0/16"},
		{"a /24 into an empty list", 0, "10.3.0.0/24"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newTargetList(1<<20, false)
			src := l.source(fromFlags, "--target")
			for i := range tt.before {
				a := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
				if i >= 256*256 {
					t.Fatal("too many targets before")
				}
				if err := l.add(runtime.TargetSpec{Value: a.String()}, origin{src: src}); err != nil {
					t.Fatal(err)
				}
			}
			room := cap(l.typed) - len(l.typed)
			if err := l.add(runtime.TargetSpec{Value: tt.cidr}, origin{src: src}); err != nil {
				t.Fatal(err)
			}
			want := tt.before + 1<<(32-netip.MustParsePrefix(tt.cidr).Bits())
			if room >= want-tt.before {
				want = tt.before + room // it fitted: no new list
			}
			if len(l.typed) != tt.before+1<<(32-netip.MustParsePrefix(tt.cidr).Bits()) || cap(l.typed) != want {
				t.Errorf("%d targets, capacity %d, want capacity %d", len(l.typed), cap(l.typed), want)
			}
		})
	}
}
