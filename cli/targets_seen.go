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
// address its IPv4 address; IPv4 addresses, the common case of a long
// list, as a bit of a v4Set, their indices marked in v4At) or by fields
// (runtime.TargetSpec.Key: names in lower case, without a trailing dot).
type seenTargets struct {
	v4    v4Set
	v4At  []uint64 // bit i: target i is in v4
	addrs map[netip.Addr]int32
	keys  map[string]int32
}

// add records the target at index i (spec, its address when it is one)
// and reports whether it repeats one already recorded, and that one's
// index: -1 for an IPv4 address (targetList.firstV4 finds it).
func (s *seenTargets) add(spec runtime.TargetSpec, addr netip.Addr, i int32) (int32, bool) {
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
		var v string
		if l.lenient {
			v = l.specs[i].Value
		} else if c, ok := l.typed[i].Config.(signatures.NetworkConfig); ok {
			v = c.TargetIPv4
		}
		if b, err := netip.ParseAddr(v); err == nil && b == a {
			return int32(i)
		}
	}
	return 0 // unreachable: a was recorded
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
