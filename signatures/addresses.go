package signatures

import "net/netip"

// TargetAddresses gives the addresses the tool sent to for its host name
// targets: addrs(i) are those of target i (nil: none known). A host name
// target's signature carries, beside its target_hostname, the first IPv4
// address of them as target_ipv4 and the first IPv6 one as target_ipv6
// (AddTargetAddresses): the collectors that match a network event on its
// destination address (Splunk ES, Elastic, QRadar, LogRhythm, NetWitness)
// read no host name, and without them match a host name target's traffic
// on its source address alone. Of any other target, or one not reached
// (NotReached), addrs is not asked. nil changes nothing.
func TargetAddresses(addrs func(i int) []netip.Addr) PostOption {
	return func(o *postOptions) { o.addrs = addrs }
}

// AddTargetAddresses sets, of s, the signature of a host name target
// (TargetHostname set, no target address), target_ipv4 to the first IPv4
// address of addrs and target_ipv6 to the first IPv6 one, an IPv4-mapped
// IPv6 address read as the IPv4 address it maps, a zone left out. An
// address that is no host (NotAHost: unspecified, multicast, broadcast)
// is skipped, as is any address of a signature that is not a host name
// target's.
func AddTargetAddresses(s *Signature, addrs []netip.Addr) {
	if s.TargetHostname == "" || s.TargetIPv4 != "" || s.TargetIPv6 != "" {
		return
	}
	for _, a := range addrs {
		a = a.Unmap().WithZone("")
		if !a.IsValid() || NotAHost(a) != "" {
			continue
		}
		switch {
		case a.Is4() && s.TargetIPv4 == "":
			s.TargetIPv4 = a.String()
		case a.Is6() && s.TargetIPv6 == "":
			s.TargetIPv6 = a.String()
		}
	}
}

// addressed sets the target addresses of s, signature i, from the
// batch's TargetAddresses.
func (b *Batch) addressed(i int, s *Signature) {
	if b.addrs != nil && s.TargetHostname != "" {
		AddTargetAddresses(s, b.addrs(i))
	}
}
