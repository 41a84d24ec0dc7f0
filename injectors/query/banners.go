package query

import (
	"net/netip"
	"slices"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

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
// emits, in place, and returns how many host names it dropped. Banner data
// is the engine's, and a server may echo the API key in it, so that:
//   - every text field has the key redacted, in every form red knows (the
//     redaction of errors and log lines);
//   - host names and domains are kept only when they are RFC 1123 host
//     names (signatures.ValidateHostname) once redacted: one holding the
//     key, escaped ("h-k%2By.example") or not, or anything else that is not
//     a host name, is dropped and counted, never sent; those kept are in
//     a target's form, lower case without a trailing dot, each once;
//   - each banner's address is canonical (canonicalAddr), so that the
//     per-target matched_ips, the CVE hosts and the findings agree.
func cleanMatches(ms []Match, red *httpx.Redactor) (dropped int) {
	for i := range ms {
		m := &ms[i]
		m.IP = red.Redact(canonicalIP(m.IP))
		for _, f := range []*string{&m.Transport, &m.Org, &m.ISP, &m.Product, &m.Version, &m.OS, &m.Timestamp} {
			*f = red.Redact(*f)
		}
		var n int
		m.Hostnames, n = hostNames(m.Hostnames, red)
		dropped += n
		m.Domains, n = hostNames(m.Domains, red)
		dropped += n
	}
	return dropped
}

// hostNames returns the names that are host names and hold no secret of
// red, in the one form a target's host name takes
// (signatures.CanonicalTarget: lower case, no trailing dot), each once in
// the order given, and the count of the others.
func hostNames(names []string, red *httpx.Redactor) ([]string, int) {
	out := make([]string, 0, len(names))
	kept := 0
	for _, n := range names {
		if red.Redact(n) != n || signatures.ValidateHostname("hostname", n) != nil {
			continue
		}
		kept++
		if c := signatures.CanonicalTarget(n); !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, len(names) - kept
}
