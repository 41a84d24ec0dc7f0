package signatures

import (
	"errors"
	"net"
	"net/netip"
	"slices"
)

// cellsAfter is how many route lookups a RouteSources makes, one per
// address, before it asks Resolver.Cells for the kernel's partition (a
// dump of its routes, rules and addresses, which a one-target scan would
// pay for nothing): from then on, an address in a cell whose source is
// known is not looked up (t270: the UDP connect per target was 18 % of
// the CPU of a 131 072-target run).
const cellsAfter = 16

// routeCells partitions the addresses of one family by every prefix the
// kernel's route lookup and its choice of source address tell apart
// (see the Linux Resolver.Cells): two addresses with the same longest
// prefix among them are in the same cell.
type routeCells struct {
	prefixes map[netip.Prefix]struct{}
	lens     []int // the prefix lengths in prefixes, longest first
}

// add adds the prefix p, masked.
func (c *routeCells) add(p netip.Prefix) {
	if !p.IsValid() {
		return
	}
	p = p.Masked()
	if _, ok := c.prefixes[p]; ok {
		return
	}
	if c.prefixes == nil {
		c.prefixes = map[netip.Prefix]struct{}{}
	}
	c.prefixes[p] = struct{}{}
	if !slices.Contains(c.lens, p.Bits()) {
		c.lens = append(c.lens, p.Bits())
		slices.SortFunc(c.lens, func(a, b int) int { return b - a })
	}
}

// cell returns the longest prefix added that holds dst; false when none
// does.
func (c *routeCells) cell(dst netip.Addr) (netip.Prefix, bool) {
	for _, l := range c.lens {
		if p, err := dst.Prefix(l); err == nil {
			if _, ok := c.prefixes[p]; ok {
				return p, true
			}
		}
	}
	return netip.Prefix{}, false
}

// shared returns the cell of dst whose every address the kernel gives
// the source on the route to dst, and whether it has one: never for a
// multicast, broadcast, unspecified or link-local IPv6 address (a
// zone's, or a scope of its own; an IPv4-mapped address is its IPv4
// address) nor for a family with a multipath route
// (its next hop, so its source, hashed from each address), whose
// addresses are each looked up alone.
func (p *cellPartition) shared(dst netip.Addr) (netip.Prefix, bool) {
	dst = dst.Unmap() // an IPv4-mapped address's route is its IPv4 address's (routeSource)
	if p == nil || !dst.IsValid() || dst.IsMulticast() || dst.IsUnspecified() || dst.IsLinkLocalUnicast() && dst.Is6() ||
		dst.Zone() != "" || dst == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return netip.Prefix{}, false
	}
	f := family6
	if dst.Is4() {
		f = family4
	}
	if p.multipath[f] {
		return netip.Prefix{}, false
	}
	return p.fams[f].cell(dst)
}

// cellPartition is what Resolver.Cells returns: each family's cells and
// whether it has a multipath route.
type cellPartition struct {
	fams      [2]routeCells
	multipath [2]bool
}

// add adds the prefix p to its family's cells.
func (p *cellPartition) add(pr netip.Prefix) {
	if pr.Addr().Is4() {
		p.fams[family4].add(pr)
	} else {
		p.fams[family6].add(pr)
	}
}

// staticPrefixes are the prefixes the kernel tells addresses apart by
// whatever its tables hold: the address ranges (RFC 6890) whose scope or
// type the source-address choice reads (loopback, link-local,
// site-local, IPv4-mapped and -compatible, ORCHID, 6to4) and the default
// policy table's labels (RFC 6724, section 2.1, as Linux's addrlabel
// has them when none is set).
var staticPrefixes = []string{
	"0.0.0.0/0", "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16",
	"::/0", "::/128", "::1/128", "::/96", "::ffff:0:0/96", "fe80::/10", "fec0::/10", "fc00::/7",
	"2001::/32", "2001:10::/28", "2001:20::/28", "2002::/16", "3ffe::/16", "64:ff9b::/96",
}

// route returns the source address on the route to dst, "" when there is
// none. After cellsAfter lookups, with the resolver's partition, an
// address in a cell whose source a lookup found (not a failed one: it
// may be the socket's, not the route's) gets that source without one.
func (r *RouteSources) route(dst netip.Addr) string {
	if r.m.resolver.Route == nil || !dst.IsValid() {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	src, ok := r.cache[dst]
	if ok {
		return src
	}
	cell, shared := r.part.shared(dst)
	if src, ok = r.bycell[cell]; shared && ok {
		r.cache[dst] = src
		return src
	}
	src = ""
	if s, err := r.m.resolver.Route(dst); err == nil && s.IsValid() && !s.IsUnspecified() {
		src = s.Unmap().WithZone("").String()
		// Not the address itself: a local route without a preferred
		// source answers each of its addresses with that address.
		if shared && s.Unmap().WithZone("") != dst.WithZone("") {
			r.bycell[cell] = src
		}
	}
	r.cache[dst] = src
	if r.asked++; r.asked == cellsAfter && r.m.resolver.cells != nil {
		if p, err := r.m.resolver.cells(); err == nil {
			r.part, r.bycell = p, map[netip.Prefix]string{}
		}
	}
	return src
}

// routeSource returns the source address the kernel would send from to
// reach dst: the local address of a UDP socket connected to dst. A UDP
// connect only looks the route up: no packet leaves the machine.
func routeSource(dst netip.Addr) (netip.Addr, error) {
	network := "udp6"
	if dst = dst.Unmap(); dst.Is4() {
		network = "udp4"
	}
	c, err := net.DialUDP(network, nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, routePort)))
	if err != nil {
		return netip.Addr{}, err
	}
	defer c.Close()
	la, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok {
		return netip.Addr{}, errors.New("route lookup: no local address")
	}
	return la.AddrPort().Addr(), nil
}
