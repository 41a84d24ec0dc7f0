package cli

import (
	"net/netip"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// Duplicate targets: a target repeating one already kept is dropped (see
// targetList.appendOne), counted, and the first one named.

// seenTargets are the targets kept, as their index in the list: by
// address (any form of one address is the same target, an IPv4-mapped
// address its IPv4 address, an IPv6 address with a zone the same target
// as the same address with the same zone only; IPv4 addresses, the common
// case of a long list, as a bit of a v4Set, their indices marked in v4At)
// or by fields (runtime.TargetSpec.Key: names in lower case, without a
// trailing dot). It is the one identity of a target for every source:
// --target, a --targets-file line and an inject file's entry, whichever
// of value, target_ipv4 or target_ipv6 holds its address (see bareAddr).
type seenTargets struct {
	v4    v4Set
	v4At  []uint64 // bit i: target i is in v4
	addrs map[netip.Addr]int32
	keys  map[string]int32
}

// add records the target at index i (spec, its address when it is one
// given as {"value": …} alone, classify's; else bareAddr finds it) and
// reports whether it repeats one already recorded, and that one's index:
// -1 for an IPv4 address (targetList.firstV4 finds it).
func (s *seenTargets) add(spec runtime.TargetSpec, addr netip.Addr, i int32) (int32, bool) {
	if !addr.IsValid() {
		addr = bareAddr(spec)
	}
	switch {
	case addr.Is4():
		if s.v4.add(addr) {
			return -1, true
		}
		for int(i>>6) >= len(s.v4At) {
			s.v4At = append(s.v4At, 0)
		}
		s.v4At[i>>6] |= 1 << (i & 63)
	case addr.IsValid():
		if first, dup := s.addrs[addr]; dup {
			return first, true
		}
		s.addrs[addr] = i
	default:
		k := spec.Key()
		if first, dup := s.keys[k]; dup {
			return first, true
		}
		s.keys[k] = i
	}
	return 0, false
}

// firstV4 returns the index of the target kept for the IPv4 address a:
// the one the v4 set recorded for it, found by reading the targets again
// (once a run, for the first duplicate's message).
func (l *targetList) firstV4(a netip.Addr) int32 {
	for i := range l.len() {
		if i>>6 >= len(l.seen.v4At) || l.seen.v4At[i>>6]&(1<<(i&63)) == 0 {
			continue
		}
		var b netip.Addr
		if l.lenient {
			b = bareAddr(l.specs[i])
		} else if c, ok := l.typed[i].Config.(signatures.NetworkConfig); ok && l.typed[i].Attribution == (signatures.Attribution{}) {
			b, _ = netip.ParseAddr(c.TargetIPv4)
		}
		if b == a {
			return int32(i)
		}
	}
	return 0 // unreachable: a was recorded
}

// bareAddr returns the address of a network target that is an address
// and nothing else (no attribution, query or cloud field): in value, in
// target_ipv4 when it is an IPv4 address (or an IPv4-mapped one), or in
// target_ipv6 when it is an IPv6 one, its zone kept, an IPv4-mapped
// address unmapped; else the zero Addr, and the target is known by its
// fields (runtime.TargetSpec.Key). {"value": "10.0.0.4"} and
// {"target_ipv4": "10.0.0.4"} are then one target, as
// {"value": "FE80::1%eth0"} and {"target_ipv6": "fe80:0::1%eth0"} are.
func bareAddr(spec runtime.TargetSpec) netip.Addr {
	v, field := spec.Value, "value"
	switch {
	case spec.TargetIPv4 != "":
		v, field = spec.TargetIPv4, "target_ipv4"
	case spec.TargetIPv6 != "":
		v, field = spec.TargetIPv6, "target_ipv6"
	}
	bare := runtime.TargetSpec{Value: spec.Value, TargetIPv4: spec.TargetIPv4, TargetIPv6: spec.TargetIPv6}
	if spec != bare || v == "" || (spec.Value != "" && field != "value") || (spec.TargetIPv4 != "" && spec.TargetIPv6 != "") {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(v)
	switch {
	case err != nil:
		return netip.Addr{}
	case field == "target_ipv4" && !a.Is4() && !a.Is4In6():
		return netip.Addr{}
	case field == "target_ipv6" && !a.Is6():
		return netip.Addr{}
	}
	return a.Unmap()
}

// v4Set is the set of IPv4 addresses of the targets kept, for dropping
// duplicates: one bit an address, in blocks of 256 (a /24) found by their
// prefix, the last block used at hand. A sorted targets file or a range,
// a million addresses, then costs a bit and a comparison each, where a
// hash table would miss the cache on every address; scattered addresses
// cost a block each. Its zero value is empty and ready.
type v4Set struct {
	blocks map[uint32]*[4]uint64 // by the address's first 24 bits
	key    uint32                // the prefix of last, when last is set
	last   *[4]uint64
}

// add adds a and reports whether it was already there.
func (s *v4Set) add(a netip.Addr) bool {
	b := a.As4()
	key := uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	if s.last == nil || s.key != key {
		if s.blocks == nil {
			s.blocks = map[uint32]*[4]uint64{}
		}
		blk := s.blocks[key]
		if blk == nil {
			blk = new([4]uint64)
			s.blocks[key] = blk
		}
		s.key, s.last = key, blk
	}
	word, bit := &s.last[b[3]>>6], uint64(1)<<(b[3]&63)
	if *word&bit != 0 {
		return true
	}
	*word |= bit
	return false
}
