package signatures

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"syscall"
)

// Netlink numbers not in package syscall on every Linux architecture.
const (
	rtmGetRule      = 0x22 // RTM_GETRULE
	rtmNewRule      = 0x20 // RTM_NEWRULE
	rtmGetAddrLabel = 0x4a // RTM_GETADDRLABEL
	rtmNewAddrLabel = 0x48 // RTM_NEWADDRLABEL
	rtaDst          = 1    // RTA_DST, FRA_DST, IFAL_ADDRESS
	rtaMultipath    = 9    // RTA_MULTIPATH
	rtaPriority     = 6    // RTA_PRIORITY
	rtaTable        = 15   // RTA_TABLE
	rtaNhID         = 30   // RTA_NH_ID: a nexthop object, maybe a group
	ifaAddress      = 1    // IFA_ADDRESS
	ifaLocal        = 2    // IFA_LOCAL
	headerLen       = 12   // struct rtmsg, fib_rule_hdr, ifaddrlblmsg
	ifaddrmsgLen    = 8    // struct ifaddrmsg
)

// kernelCells returns the partition of the address space the kernel's
// route lookup for a UDP connect answers alike over: for IPv4, every
// address of a cell matches the same route (the prefixes of the routes
// of every table, and those policy rules select by destination), whose
// source does not depend on the address (its preferred source, or the
// one chosen for its next hop), but for a local route without one (the
// address itself: RouteSources.route does not share that answer); for
// IPv6, the same, and the source-address choice (RFC 6724, section 5) reads
// of the destination its scope and type (staticPrefixes), its label
// (the addrlabel table) and its longest match with each local address
// (rule 8, capped at the address's prefix length: every prefix of each
// address up to it), all prefixes too. A family with a multipath route
// (several next hops, a nexthop object, or two routes of one table for
// one prefix at one metric, but IPv6's link-local and multicast ones,
// one per interface) shares no answer. From four netlink dumps
// (routes, rules, addresses, address labels; the last best effort).
func kernelCells() (*cellPartition, error) {
	p := &cellPartition{}
	for _, s := range staticPrefixes {
		p.add(netip.MustParsePrefix(s))
	}
	type routeKey struct {
		table    uint32
		prefix   netip.Prefix
		priority uint32
		tos      byte
	}
	seen := map[routeKey]bool{}
	err := dump(syscall.RTM_GETROUTE, syscall.AF_UNSPEC, syscall.RTM_NEWROUTE, headerLen, maxDumpMessages, func(h []byte, attrs map[uint16][]byte) {
		f, ok := familyOf(h[0])
		if !ok {
			return
		}
		pr := prefixOf(h[0], attrs[rtaDst], int(h[1]))
		if !pr.IsValid() {
			return
		}
		p.add(pr)
		k := routeKey{table: uint32(h[4]), prefix: pr.Masked(), tos: h[3]}
		if t := attrs[rtaTable]; len(t) == 4 {
			k.table = binary.NativeEndian.Uint32(t)
		}
		if m := attrs[rtaPriority]; len(m) == 4 {
			k.priority = binary.NativeEndian.Uint32(m)
		}
		if a := pr.Addr(); f == family6 && pr.Bits() >= 8 && (a.IsLinkLocalUnicast() || a.IsMulticast()) {
			return // one per interface; their addresses are not shared (cellPartition.shared)
		}
		if attrs[rtaMultipath] != nil || attrs[rtaNhID] != nil || seen[k] {
			p.multipath[f] = true
		}
		seen[k] = true
	})
	if err != nil {
		return nil, err
	}
	err = dump(rtmGetRule, syscall.AF_UNSPEC, rtmNewRule, headerLen, maxDumpMessages, func(h []byte, attrs map[uint16][]byte) {
		if _, ok := familyOf(h[0]); ok && attrs[rtaDst] != nil {
			p.add(prefixOf(h[0], attrs[rtaDst], int(h[1])))
		}
	})
	if err != nil {
		return nil, err
	}
	err = dump(syscall.RTM_GETADDR, syscall.AF_UNSPEC, syscall.RTM_NEWADDR, ifaddrmsgLen, maxDumpMessages, func(h []byte, attrs map[uint16][]byte) {
		raw := attrs[ifaLocal]
		if raw == nil {
			raw = attrs[ifaAddress]
		}
		a := prefixOf(h[0], raw, int(h[1]))
		if !a.IsValid() {
			return
		}
		p.add(netip.PrefixFrom(a.Addr(), a.Addr().BitLen())) // the address itself
		p.add(a)
		if a.Addr().Is6() {
			for k := range a.Bits() {
				p.add(netip.PrefixFrom(a.Addr(), k))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	// Best effort: without the table, the default labels (staticPrefixes).
	_ = dump(rtmGetAddrLabel, syscall.AF_INET6, rtmNewAddrLabel, headerLen, maxDumpMessages, func(h []byte, attrs map[uint16][]byte) {
		p.add(prefixOf(syscall.AF_INET6, attrs[rtaDst], int(h[2])))
	})
	return p, nil
}

// familyOf returns the family index of an AF_ value; false for another
// family than IPv4 and IPv6.
func familyOf(af byte) (int, bool) {
	switch af {
	case syscall.AF_INET:
		return family4, true
	case syscall.AF_INET6:
		return family6, true
	}
	return 0, false
}

// prefixOf returns the prefix of the address raw of the family af (the
// family's whole space when raw is absent) and length bits; invalid when
// they do not make one.
func prefixOf(af byte, raw []byte, bits int) netip.Prefix {
	var a netip.Addr
	switch {
	case af == syscall.AF_INET && raw == nil:
		a = netip.IPv4Unspecified()
	case af == syscall.AF_INET6 && raw == nil:
		a = netip.IPv6Unspecified()
	case af == syscall.AF_INET && len(raw) == 4, af == syscall.AF_INET6 && len(raw) == 16:
		a, _ = netip.AddrFromSlice(raw)
	default:
		return netip.Prefix{}
	}
	pr, err := a.Prefix(bits)
	if err != nil {
		return netip.Prefix{}
	}
	return pr
}

// maxDumpMessages bounds each dump kernelCells reads: a machine holding
// a full Internet routing table (a million routes) would pay more for its
// dump than for a lookup a target; beyond it, each address's route is
// looked up on its own.
const maxDumpMessages = 1 << 16

// errDumpTooLong is dump's error past its limit.
var errDumpTooLong = errors.New("route cells: netlink dump too long")

// dump asks the kernel for a dump of request in the family af and calls
// each with the fixed header (hdrLen bytes) and the attributes of each
// message of type want, reading the answer as it comes: past limit
// messages, it stops with errDumpTooLong.
func dump(request, af int, want uint16, hdrLen, limit int, each func(h []byte, attrs map[uint16][]byte)) error {
	s, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer syscall.Close(s)
	kernel := &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}
	if err := syscall.Bind(s, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return err
	}
	req := make([]byte, syscall.NLMSG_HDRLEN+syscall.SizeofRtGenmsg)
	binary.NativeEndian.PutUint32(req[0:4], uint32(len(req)))
	binary.NativeEndian.PutUint16(req[4:6], uint16(request))
	binary.NativeEndian.PutUint16(req[6:8], syscall.NLM_F_DUMP|syscall.NLM_F_REQUEST)
	binary.NativeEndian.PutUint32(req[8:12], 1) // sequence number
	req[syscall.NLMSG_HDRLEN] = byte(af)
	if err := syscall.Sendto(s, req, 0, kernel); err != nil {
		return err
	}
	buf := make([]byte, 32<<10)
	for n := 0; ; {
		nr, _, err := syscall.Recvfrom(s, buf, 0)
		if err != nil {
			return err
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:nr])
		if err != nil {
			return err
		}
		for _, m := range msgs {
			switch {
			case m.Header.Type == syscall.NLMSG_DONE:
				return nil
			case m.Header.Type == syscall.NLMSG_ERROR:
				if len(m.Data) >= 4 {
					if errno := int32(binary.NativeEndian.Uint32(m.Data[:4])); errno < 0 {
						return syscall.Errno(-errno)
					}
				}
				return errors.New("route cells: netlink error")
			case n >= limit:
				return errDumpTooLong
			case m.Header.Type == want && len(m.Data) >= hdrLen:
				each(m.Data[:hdrLen], attributes(m.Data[hdrLen:]))
			}
			n++
		}
	}
}

// attributes returns the attributes of b (struct rtattr, each padded to
// 4 bytes), by type; the nested flag bit is cleared.
func attributes(b []byte) map[uint16][]byte {
	attrs := map[uint16][]byte{}
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b[0:2]))
		typ := binary.NativeEndian.Uint16(b[2:4]) &^ (1 << 15)
		if n < 4 || n > len(b) {
			break
		}
		attrs[typ] = b[4:n]
		b = b[min((n+3)&^3, len(b)):]
	}
	return attrs
}
