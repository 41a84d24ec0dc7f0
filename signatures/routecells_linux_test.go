package signatures

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
)

// The cached route lookup (kernelCells' partition, after cellsAfter
// lookups) answers every address as the uncached one, a UDP connect per
// address, does: over addresses taken from the live tables (each prefix
// the kernel tells apart: its first, second, middle and last address;
// each local address and those differing from it from each bit on) and loopback and documentation
// ones, in a shuffled order. Inside a network namespace (ip netns exec)
// it checks that namespace's routes, rules and addresses. Connecting a
// UDP socket sends nothing.
func TestRouteCellsAgreeWithTheUncachedLookup(t *testing.T) {
	part, err := kernelCells()
	if err != nil {
		t.Skipf("no netlink dump here: %v", err)
	}
	targets := cellTargets(part)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(targets), func(i, j int) { targets[i], targets[j] = targets[j], targets[i] })

	var lookups atomic.Int64
	m := NewManager(WithResolver(Resolver{
		Route: func(dst netip.Addr) (netip.Addr, error) { lookups.Add(1); return routeSource(dst) },
		cells: kernelCells,
	}))
	rs := m.RouteSources()
	differ := 0
	for _, dst := range targets {
		var want string
		if s, err := routeSource(dst); err == nil && s.IsValid() && !s.IsUnspecified() {
			want = s.Unmap().WithZone("").String()
		}
		if got := rs.route(dst); got != want {
			differ++
			t.Errorf("route(%s) = %q, want %q (the uncached lookup's)", dst, got, want)
		}
	}
	t.Logf("%d addresses, %d prefixes (IPv4 multipath %v, IPv6 %v), %d lookups made, %d differ",
		len(targets), len(part.fams[family4].prefixes)+len(part.fams[family6].prefixes), part.multipath[family4], part.multipath[family6],
		lookups.Load(), differ)
	if rs.part == nil {
		t.Error("the partition was never taken")
	} else if !part.multipath[family4] && lookups.Load() >= int64(len(targets)) {
		t.Errorf("%d lookups for %d addresses: no answer shared", lookups.Load(), len(targets))
	}
}

// cellTargets returns addresses to look the routes of up: for each
// prefix of part, its first, second, middle and last addresses and the
// ones just past it; for each single address (a local one, a host
// route), those differing from it from each bit on (the longest match of
// IPv6's source choice); and a few fixed ones.
func cellTargets(part *cellPartition) []netip.Addr {
	seen := map[netip.Addr]bool{}
	var out []netip.Addr
	add := func(a netip.Addr) {
		if a.IsValid() && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, s := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.5", "127.1.2.3", "127.255.255.254", "::1",
		"192.0.2.77", "198.51.100.1", "203.0.113.9", "10.0.0.1", "2001:db8::1", "2001:db8:1::1", "fd00::5"} {
		add(netip.MustParseAddr(s))
	}
	for f := range part.fams {
		ps := make([]netip.Prefix, 0, len(part.fams[f].prefixes))
		for p := range part.fams[f].prefixes {
			ps = append(ps, p)
		}
		slices.SortFunc(ps, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr())*256 + a.Bits() - b.Bits() })
		for _, p := range ps {
			first := p.Addr()
			last := lastOf(p)
			add(first)
			add(first.Next())
			add(last)
			add(last.Next())
			add(first.Prev())
			add(midOf(p))
			if p.Bits() == p.Addr().BitLen() { // an address: those that differ from it from each bit on
				for k := range p.Bits() {
					add(flip(p.Addr(), k))
				}
			}
		}
	}
	return out
}

// lastOf returns the last address of p.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// flip returns a with its bit k (from the left) flipped.
func flip(a netip.Addr, k int) netip.Addr {
	b := a.AsSlice()
	b[k/8] ^= 0x80 >> (k % 8)
	a, _ = netip.AddrFromSlice(b)
	return a
}

// midOf returns the address halfway through p (its first with the bit
// after the prefix set), or its first for a single address.
func midOf(p netip.Prefix) netip.Addr {
	if p.Bits() == p.Addr().BitLen() {
		return p.Addr()
	}
	b := p.Addr().AsSlice()
	b[p.Bits()/8] |= 0x80 >> (p.Bits() % 8)
	a, _ := netip.AddrFromSlice(b)
	return a
}

// A dump longer than its limit (a machine with a full Internet routing
// table) stops there: its addresses are then looked up one by one.
func TestDumpStopsPastItsLimit(t *testing.T) {
	n := 0
	count := func([]byte, map[uint16][]byte) { n++ }
	if err := dump(syscall.RTM_GETADDR, syscall.AF_UNSPEC, syscall.RTM_NEWADDR, ifaddrmsgLen, maxDumpMessages, count); err != nil {
		t.Skipf("no netlink dump here: %v", err)
	}
	if n < 2 { // lo's 127.0.0.1 and ::1 at least
		t.Skipf("%d addresses: too few to cut the dump", n)
	}
	got := 0
	err := dump(syscall.RTM_GETADDR, syscall.AF_UNSPEC, syscall.RTM_NEWADDR, ifaddrmsgLen, 1, func([]byte, map[uint16][]byte) { got++ })
	if !errors.Is(err, errDumpTooLong) || got != 1 {
		t.Errorf("dump with a limit of 1 of %d addresses: %d read, %v; want 1, errDumpTooLong", n, got, err)
	}
}
