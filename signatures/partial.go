package signatures

import (
	"iter"
	"net/netip"
	"slices"
	"strings"
)

// A timed-out run's partial results are free text ("10.0.0.1:22/tcp open
// ssh", "apache ip:1.2.3.4: 3 of 10 matches", "aws eu-west-1 s3: 2
// findings, 0 errors"); each goes to the signatures of the targets it
// names, never to every target, so that a payload grows with the results,
// not with results × targets.
const (
	// MaxNamedTargets is the most targets one partial result goes to: a
	// result naming more (a query or a region that many targets share) is
	// a run-wide result.
	MaxNamedTargets = 16
	// MaxRunWideResults is the most run-wide partial results (naming no
	// target, or more than MaxNamedTargets) kept: the first ones reported
	// go to every target, after its own.
	MaxRunWideResults = 10
)

// TargetNames indexes the words that name targets in a partial result:
// a target's address or host name, its query (before ": "), its cloud
// provider and region (the first two words) or, when the third word is
// a service some target names, its provider, region and service: such a
// result goes to that service's targets and to those naming no service
// (they check every one), not to another service's ("aws us-east-1 ec2:
// …" is not an s3 target's; "aws global iam: …" is an iam target's, in
// whatever region). A result's words are split
// at white space and at , ; ( ) [ ] { } " ' < > | =, their trailing ":"
// and "." dropped; a word names a target by address or host name when,
// in any letter case (an IPv6 address in any of its spellings), it is the
// address or name alone ("10.0.0.1", "[2001:db8::1]"), before ":port"
// ("10.0.0.1:22/tcp"), before a path, a query or a fragment
// ("localhost/index.html"), or the host of a URL: after "scheme://" and
// an optional "userinfo@", up to ":port", "/", "?", "#" or the word's end
// ("http://127.0.0.1:8080/", "https://user@web.example.com?q=1"). Part
// of a longer name never names a target: "127.0.0.10" does not name
// 127.0.0.1, "notlocalhost" does not name localhost. Each lookup is a map
// access: the cost of a result is its length, whatever the number of
// targets.
type TargetNames struct {
	byKey map[string][]int
}

// NewTargetNames indexes the names of n targets, config(i) giving the i-th
// (a nil configuration names nothing).
func NewTargetNames(n int, config func(i int) Config) *TargetNames {
	return newTargetNames(n, func(i int, s *Signature) {
		if c := config(i); !isNil(c) {
			c.identity(s)
		}
	})
}

// newTargetNames indexes n targets whose identity fields identity(i, s)
// writes into s.
func newTargetNames(n int, identity func(i int, s *Signature)) *TargetNames {
	tn := &TargetNames{byKey: map[string][]int{}}
	for i := range n {
		var s Signature
		identity(i, &s)
		for _, k := range nameKeys(&s) {
			if k != "" {
				tn.byKey[k] = append(tn.byKey[k], i)
			}
		}
	}
	return tn
}

// anyService stands for the service of a cloud target naming none: it
// checks every service of its region, and every global one.
const anyService = "*"

// nameKeys returns the words that name the target of s's identity fields.
func nameKeys(s *Signature) []string {
	switch {
	case s.CloudProvider != "":
		p, r := strings.ToLower(s.CloudProvider), strings.ToLower(s.CloudRegion)
		keys := []string{p + " " + r, p + ":" + strings.ToLower(s.CloudAccountID) + ":" + r}
		if svc := strings.ToLower(s.TargetService); svc != "" {
			// Its region's service, and the service where it is global.
			return append(keys, p+" "+r+" "+svc, p+" global "+svc)
		}
		// Every service of its region, and every global one.
		return append(keys, p+" "+r+" "+anyService, p+" global "+anyService)
	case s.Query != "":
		q := strings.ToLower(strings.TrimSpace(s.Query))
		narrowed := q
		if s.TargetIPv4 != "" {
			narrowed += " ip:" + strings.ToLower(s.TargetIPv4)
		}
		if s.TargetHostname != "" {
			narrowed += " hostname:" + strings.ToLower(s.TargetHostname)
		}
		return []string{q, narrowed}
	}
	for _, v := range []string{s.TargetIPv4, s.TargetIPv6, s.TargetHostname} {
		if v != "" {
			return []string{canonicalWord(v)}
		}
	}
	return nil
}

// Named yields, for each word of result that names targets, the indexes
// of the targets it names (a slice of the index: do not modify it). A
// target may be yielded more than once.
func (tn *TargetNames) Named(result string) iter.Seq[[]int] {
	return func(yield func([]int) bool) {
		r := strings.ToLower(result)
		try := func(key string) bool {
			if ts := tn.byKey[key]; len(ts) > 0 {
				return yield(ts)
			}
			return true
		}
		// A query, before ": ".
		for rest, off := r, 0; ; {
			i := strings.Index(rest, ": ")
			if i < 0 {
				break
			}
			if !try(strings.TrimSpace(r[:off+i])) {
				return
			}
			off += i + 2
			rest = r[off:]
		}
		// A cloud provider and region, and its service.
		for _, k := range tn.cloudKeys(strings.Fields(r)) {
			if !try(k) {
				return
			}
		}
		// An address or a host name: bare, bracketed, before ":port", in
		// a URL or before a path.
		for _, w := range strings.FieldsFunc(r, isSeparator) {
			hosts := hostWords(strings.TrimRight(w, ":."))
			for _, h := range hosts {
				if h == "" {
					break
				}
				if !try(canonicalWord(h)) {
					return
				}
			}
		}
	}
}

// cloudKeys returns the keys of the cloud targets that a result's words
// f name: its first three words when the third is a service some target
// names, or a service's label ("aws us-east-1 ec2:") and some target of
// that region names every service, with the targets of every service;
// else its first two words, a provider and region.
func (tn *TargetNames) cloudKeys(f []string) []string {
	if len(f) < 2 {
		return nil
	}
	region := f[0] + " " + f[1]
	if len(f) >= 3 {
		service, every := region+" "+strings.TrimRight(f[2], ":.,"), region+" "+anyService
		if len(tn.byKey[service]) > 0 || len(tn.byKey[every]) > 0 && strings.HasSuffix(f[2], ":") {
			return []string{service, every}
		}
	}
	return []string{region}
}

// hostWords returns the distinct forms of word w that may name a target
// (at most four, then empty strings): w itself, w before its last
// ":port", and the host of w: after "scheme://" and "userinfo@" in a URL,
// before the first "/", "?" or "#", with and without its ":port". An
// address is never cut at a colon: "2001:db8::1" stays whole.
func hostWords(w string) [4]string {
	h := w
	if i := strings.Index(h, "://"); i > 0 && isScheme(h[:i]) {
		h = h[i+len("://"):]
		authority := h
		if j := strings.IndexAny(authority, "/?#"); j >= 0 {
			authority = authority[:j]
		}
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			h = h[at+1:]
		}
	}
	if i := strings.IndexAny(h, "/?#"); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimRight(h, ".")
	var out [4]string
	n := 0
	for _, s := range [4]string{w, withoutPort(w), h, withoutPort(h)} {
		if s != "" && !slices.Contains(out[:n], s) {
			out[n] = s
			n++
		}
	}
	return out
}

// withoutPort returns w before its last colon, unless w is an address
// (whose colons are its own) or has no colon after its first character.
func withoutPort(w string) string {
	if i := strings.LastIndexByte(w, ':'); i > 0 {
		if _, ok := parseAddr(w); !ok {
			return w[:i]
		}
	}
	return w
}

// canonicalWord is the lookup form of an address or a name: an address
// in its canonical form, anything else in lower case.
func canonicalWord(w string) string {
	if a, ok := parseAddr(w); ok {
		return a.String()
	}
	return strings.ToLower(w)
}

// parseAddr is netip.ParseAddr without the cost of its error for a word
// that cannot be an address (most words of a result): one holding, before
// any "%zone", anything but hex digits, "." and ":".
func parseAddr(w string) (netip.Addr, bool) {
	for i := 0; i < len(w) && w[i] != '%'; i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F', c == '.', c == ':':
		default:
			return netip.Addr{}, false
		}
	}
	a, err := netip.ParseAddr(w)
	return a, err == nil
}

// isScheme reports whether s is a URL scheme: a letter, then letters,
// digits, "+", "-" or ".".
func isScheme(s string) bool {
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return s != ""
}

func isSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '\n', ',', ';', '(', ')', '[', ']', '{', '}', '"', '\'', '<', '>', '|', '=':
		return true
	}
	return false
}

// partials is each target's share of a timed-out run's partial results.
type partials struct {
	own  [][]string // by target, in the order reported; nil when none
	wide []string   // run-wide results, for every target after its own
}

// attribute shares results among n targets (see MaxNamedTargets): each
// goes to the targets named by its word naming the fewest (several words
// naming as few: all of theirs). With one target, every result is its own.
// It returns nil when there are no results.
func attribute(results []string, n int, identity func(i int, s *Signature)) *partials {
	if len(results) == 0 || n == 0 {
		return nil
	}
	p := &partials{own: make([][]string, n)}
	if n == 1 {
		p.own[0] = results
		return p
	}
	tn := newTargetNames(n, identity)
	for _, r := range results {
		var named [][]int
		fewest, total := 0, 0
		for ts := range tn.Named(r) {
			switch {
			case len(named) == 0 || len(ts) < fewest:
				named, fewest, total = append(named[:0], ts), len(ts), len(ts)
			case len(ts) == fewest:
				named, total = append(named, ts), total+len(ts)
			}
		}
		if len(named) == 0 || total > MaxNamedTargets {
			if len(p.wide) < MaxRunWideResults {
				p.wide = append(p.wide, r)
			}
			continue
		}
		var to []int // r's targets, each once (at most MaxNamedTargets)
		for _, ts := range named {
			for _, i := range ts {
				if !slices.Contains(to, i) {
					to = append(to, i)
				}
			}
		}
		for _, i := range to {
			p.own[i] = append(p.own[i], r)
		}
	}
	return p
}

// of returns target i's partial results: its own, then the run-wide ones.
func (p *partials) of(i int) []string {
	if p == nil {
		return nil
	}
	own := p.own[i]
	switch {
	case len(p.wide) == 0:
		return own
	case len(own) == 0:
		return p.wide
	}
	out := make([]string, 0, len(own)+len(p.wide))
	return append(append(out, own...), p.wide...)
}
