package signatures

import (
	"cmp"
	"math/bits"
	"net/netip"
	"slices"
)

// The address a scanner given a host name scans is not the first one the
// name's lookup returns but the first one the C library's getaddrinfo
// returns: nmap resolves a name that way and scans the first address
// (without -6, the first IPv4 one), and glibc (2.36 here) sorts a name's
// addresses by RFC 6724's destination address selection, section 6, each
// candidate's source being the one the kernel picks on the route to it (a
// UDP socket connected to it). Go's resolver returns /etc/hosts in file
// order, unsorted. byScanOrder sorts as glibc does, with its default
// tables (an /etc/gai.conf changing them is not read). The facts it
// models, from glibc's sysdeps/posix/getaddrinfo.c (rfc3484_sort, getaddrinfo)
// and checked with getent ahostsv4 in a network namespace:
//
//   - rule 1: a destination with no route (no source) comes last;
//   - rule 2: a destination whose scope is its source's comes first. IPv4
//     scopes: 127.0.0.0/8 and 169.254.0.0/16 link-local (2), any other
//     global (14); IPv6: loopback and fe80::/10 link-local (2),
//     fec0::/10 site-local (5), multicast its own, any other global (14);
//   - rules 3, 4 and 7 (deprecated, home addresses, native transport) need
//     the interfaces' IPv6 flags: not modelled (IPv4 never has them);
//   - rule 5: a label matching its source's first; rule 6: the higher
//     precedence first; both with glibc's RFC 3484 tables, which give
//     every IPv4 address (as ::ffff:0:0/96) label 4 and precedence 10;
//   - rule 8: the smaller scope first (127.0.0.5 before 10.0.0.1);
//   - rule 9, IPv4: glibc counts common bits only within the source's
//     subnet, whose prefix length it knows only for IPv6 addresses, so
//     for IPv4 it prefers only a destination that is its own source (an
//     address of the machine) to one that is not: 10.0.0.2 is not put
//     before 10.200.0.9 from 10.0.0.1/8. IPv6: the leading bits each
//     destination shares with its source in the first 32-bit word where
//     either pair differs, the most first;
//   - rule 10: otherwise the resolver's order is kept.

// labelTable and precedenceTable are glibc's default tables (RFC 3484's,
// with its additions), matched in this order on an IPv6 address, an IPv4
// one as ::ffff:a.b.c.d. Read only.
var (
	labelTable = []prefixValue{
		{netip.MustParsePrefix("::1/128"), 0},
		{netip.MustParsePrefix("2002::/16"), 2},
		{netip.MustParsePrefix("::/96"), 3},
		{netip.MustParsePrefix("::ffff:0:0/96"), 4},
		{netip.MustParsePrefix("fec0::/10"), 5},
		{netip.MustParsePrefix("fc00::/7"), 6},
		{netip.MustParsePrefix("2001::/32"), 7},
		{netip.MustParsePrefix("::/0"), 1},
	}
	precedenceTable = []prefixValue{
		{netip.MustParsePrefix("::1/128"), 50},
		{netip.MustParsePrefix("2002::/16"), 30},
		{netip.MustParsePrefix("::/96"), 20},
		{netip.MustParsePrefix("::ffff:0:0/96"), 10},
		{netip.MustParsePrefix("::/0"), 40},
	}
)

// prefixValue is one row of a label or precedence table.
type prefixValue struct {
	prefix netip.Prefix
	value  int
}

// Scopes, as RFC 4291 numbers them.
const (
	scopeLinkLocal = 2
	scopeSiteLocal = 5
	scopeGlobal    = 14
)

// candidate is a destination, without its zone, and the source on the
// route to it (invalid when there is none); addr is the destination as
// resolved.
type candidate struct {
	dst, src, addr netip.Addr
}

// byScanOrder returns addrs, all of one family, in the order glibc's
// getaddrinfo returns them (see above), IPv4-mapped ones unmapped, source
// giving the source address on the route to each (invalid: none); addrs
// is left as it is.
func byScanOrder(addrs []netip.Addr, source func(netip.Addr) netip.Addr) []netip.Addr {
	cs := make([]candidate, len(addrs))
	for i, a := range addrs {
		a = a.Unmap()
		cs[i] = candidate{dst: a.WithZone(""), src: source(a).Unmap().WithZone(""), addr: a}
	}
	slices.SortStableFunc(cs, compareCandidates)
	out := make([]netip.Addr, len(cs))
	for i, c := range cs {
		out[i] = c.addr
	}
	return out
}

// compareCandidates orders a before b (negative) when glibc's getaddrinfo
// returns it first, rules 1 to 9; 0 leaves them in the resolver's order.
func compareCandidates(a, b candidate) int {
	// Rule 1: a destination with a source first.
	if c := preferTrue(a.src.IsValid(), b.src.IsValid()); c != 0 || !a.src.IsValid() {
		return c
	}
	// Rule 2: a destination of its source's scope first.
	if c := preferTrue(scope(a.dst) == scope(a.src), scope(b.dst) == scope(b.src)); c != 0 {
		return c
	}
	// Rule 5: a destination of its source's label first.
	if c := preferTrue(lookup(labelTable, a.dst) == lookup(labelTable, a.src),
		lookup(labelTable, b.dst) == lookup(labelTable, b.src)); c != 0 {
		return c
	}
	// Rule 6: the higher precedence first.
	if c := cmp.Compare(lookup(precedenceTable, b.dst), lookup(precedenceTable, a.dst)); c != 0 {
		return c
	}
	// Rule 8: the smaller scope first.
	if c := cmp.Compare(scope(a.dst), scope(b.dst)); c != 0 {
		return c
	}
	// Rule 9: the longer prefix shared with the source first.
	if a.dst.Is4() != b.dst.Is4() {
		return 0
	}
	ba, bb := sharedBits(a, b)
	return cmp.Compare(bb, ba)
}

// preferTrue orders the side that holds first.
func preferTrue(a, b bool) int {
	switch {
	case a && !b:
		return -1
	case b && !a:
		return 1
	}
	return 0
}

// scope returns the scope glibc gives a (see above).
func scope(a netip.Addr) int {
	if a.Is4() {
		if a.IsLoopback() || a.IsLinkLocalUnicast() {
			return scopeLinkLocal
		}
		return scopeGlobal
	}
	switch b := a.As16(); {
	case a.IsMulticast():
		return int(b[1] & 0x0f)
	case a.IsLoopback() || a.IsLinkLocalUnicast():
		return scopeLinkLocal
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0: // fec0::/10, site-local
		return scopeSiteLocal
	}
	return scopeGlobal
}

// lookup returns the value of the first row of table whose prefix holds
// a, an IPv4 address as its IPv4-mapped IPv6 one.
func lookup(table []prefixValue, a netip.Addr) int {
	a = netip.AddrFrom16(a.As16())
	for _, row := range table {
		if row.prefix.Contains(a) {
			return row.value
		}
	}
	return 0
}

// sharedBits returns, for rule 9, the bits a's and b's destinations
// share with their sources as glibc counts them (see above).
func sharedBits(a, b candidate) (int, int) {
	if a.dst.Is4() {
		same := func(c candidate) int {
			if c.dst == c.src {
				return 32
			}
			return 0
		}
		return same(a), same(b)
	}
	ad, as, bd, bs := words(a.dst), words(a.src), words(b.dst), words(b.src)
	for i := range ad {
		if ad[i] != as[i] || bd[i] != bs[i] {
			return bits.LeadingZeros32(ad[i] ^ as[i]), bits.LeadingZeros32(bd[i] ^ bs[i])
		}
	}
	return 0, 0
}

// words returns the IPv6 address a as four 32-bit words, most
// significant first.
func words(a netip.Addr) [4]uint32 {
	b := a.As16()
	var w [4]uint32
	for i := range w {
		w[i] = uint32(b[4*i])<<24 | uint32(b[4*i+1])<<16 | uint32(b[4*i+2])<<8 | uint32(b[4*i+3])
	}
	return w
}
