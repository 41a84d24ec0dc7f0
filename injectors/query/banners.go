package query

import "net/netip"

// canonicalAddr is the one form in which the injector emits the address of
// a banner: an IPv4-mapped IPv6 address as its IPv4 address ("an
// IPv4-mapped IPv6 address counts as its IPv4 address"), and no zone, which
// no output type of the platform accepts and which names an interface of
// the scanner, not the host. Every list of addresses is deduplicated after
// it.
func canonicalAddr(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

// canonicalIP returns s in its canonical form (canonicalAddr) when it is an
// address, and s unchanged otherwise.
func canonicalIP(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return s
	}
	return canonicalAddr(a).String()
}

// cleanMatches puts what a provider returned into the form the injector
// emits, in place: each banner's address canonical (canonicalAddr), so
// that the per-target matched_ips, the CVE hosts and the findings agree
// whatever the provider.
func cleanMatches(ms []Match) {
	for i := range ms {
		ms[i].IP = canonicalIP(ms[i].IP)
	}
}
