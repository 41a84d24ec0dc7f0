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
// a target's address or host name (also before ":port"), its query
// (before ": "), its cloud provider and region (the first two words). Each
// lookup is a map access: the cost of a result is its length, whatever the
// number of targets.
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

// nameKeys returns the words that name the target of s's identity fields.
func nameKeys(s *Signature) []string {
	switch {
	case s.CloudProvider != "":
		p, r := strings.ToLower(s.CloudProvider), strings.ToLower(s.CloudRegion)
		return []string{p + " " + r, p + ":" + strings.ToLower(s.CloudAccountID) + ":" + r}
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
		// A cloud provider and region: the first two words.
		if f := strings.Fields(r); len(f) >= 2 && !try(f[0]+" "+f[1]) {
			return
		}
		// An address or a host name, bare, bracketed or before ":port".
		for _, w := range strings.FieldsFunc(r, isSeparator) {
			w = strings.TrimRight(w, ":.")
			if !try(canonicalWord(w)) {
				return
			}
			if i := strings.LastIndexByte(w, ':'); i > 0 {
				if _, err := netip.ParseAddr(w); err != nil && !try(canonicalWord(w[:i])) {
					return
				}
			}
		}
	}
}

// canonicalWord is the lookup form of an address or a name: an address
// in its canonical form, anything else in lower case.
func canonicalWord(w string) string {
	if a, err := netip.ParseAddr(w); err == nil {
		return a.String()
	}
	return strings.ToLower(w)
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
