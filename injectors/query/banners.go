package query

import (
	"context"
	"net/netip"

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

// checkEvery is how many host names cleanMatches handles between two
// checks of its context.
const checkEvery = 1024

// cleanMatches puts what a provider returned into the form the injector
// emits, in place, and returns the matches it cleaned and how many host
// names it dropped. Banner data is the engine's, and a server may echo the
// API key in it, so that:
//   - every text field has the key redacted, in every form red knows (the
//     redaction of errors and log lines);
//   - host names and domains are kept only when they are RFC 1123 host
//     names (signatures.ValidateHostname) once redacted: one holding the
//     key, escaped ("h-k%2By.example") or not, or anything else that is not
//     a host name, is dropped and counted, never sent; those kept are in
//     a target's form, lower case without a trailing dot, each once;
//   - each banner's address is canonical (canonicalAddr), so that the
//     matched addresses, the CVE hosts and the findings agree.
//
// Its work is linear in the names an answer holds, and an answer may hold
// millions: it checks ctx every checkEvery names, so that the inject's
// deadline bounds it too. When ctx ends, it returns the matches it had
// cleaned whole, a prefix of ms, with ctx's error; the others are never
// emitted.
func cleanMatches(ctx context.Context, ms []Match, red *httpx.Redactor) (clean []Match, dropped int, err error) {
	c := cleaner{ctx: ctx, red: red}
	for i := range ms {
		m := &ms[i]
		m.IP = red.Redact(canonicalIP(m.IP))
		for _, f := range []*string{&m.Transport, &m.Org, &m.ISP, &m.Product, &m.Version, &m.OS, &m.Timestamp} {
			*f = red.Redact(*f)
		}
		if m.Hostnames, err = c.hostNames(m.Hostnames); err != nil {
			return ms[:i], c.dropped, err
		}
		if m.Domains, err = c.hostNames(m.Domains); err != nil {
			return ms[:i], c.dropped, err
		}
	}
	return ms, c.dropped, nil
}

// cleaner holds what cleanMatches needs across the host names of an
// answer: its context, checked every checkEvery names, the redactor, and
// the counts of the names seen and dropped.
type cleaner struct {
	ctx     context.Context
	red     *httpx.Redactor
	seen    int
	dropped int
}

// hostNames returns the names that are host names and hold no secret of
// red, in the one form a target's host name takes
// (signatures.CanonicalTarget: lower case, no trailing dot), each once in
// the order given; the others are counted as dropped. It returns ctx's
// error when ctx ends before it is done.
func (c *cleaner) hostNames(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	kept := make(map[string]struct{}, len(names))
	for _, n := range names {
		if c.seen++; c.seen%checkEvery == 0 {
			if err := c.ctx.Err(); err != nil {
				return nil, err
			}
		}
		if c.red.Redact(n) != n || signatures.ValidateHostname("hostname", n) != nil {
			c.dropped++
			continue
		}
		k := signatures.CanonicalTarget(n)
		if _, ok := kept[k]; !ok {
			kept[k] = struct{}{}
			out = append(out, k)
		}
	}
	return out, nil
}
