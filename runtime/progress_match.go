package runtime

import (
	"net/netip"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// targetMatcher counts the targets partial results name. A partial result
// is free text ("10.0.0.1:22/tcp open ssh", "apache ip:1.2.3.4: 3 of 10
// matches", "aws eu-west-1 s3: 2 findings, 0 errors"), so a target is
// looked up by the words of the text that could name it: its address or
// host name (also before ":port"), its query (before ": "), its cloud
// provider and region (the first two words). Each lookup is a map access:
// the cost of a result is its length, whatever the number of targets.
type targetMatcher struct {
	byKey    map[string][]int
	named    []bool
	reported int
}

func newTargetMatcher(targets []framework.Target) *targetMatcher {
	m := &targetMatcher{byKey: map[string][]int{}, named: make([]bool, len(targets))}
	for i, t := range targets {
		for _, k := range targetKeys(t.Config) {
			if k != "" {
				m.byKey[k] = append(m.byKey[k], i)
			}
		}
	}
	return m
}

// targetKeys returns the words that name a target in a partial result.
func targetKeys(c signatures.Config) []string {
	switch c := c.(type) {
	case signatures.NetworkConfig:
		return []string{canonicalWord(c.Value())}
	case signatures.ExternalConfig:
		q := strings.ToLower(strings.TrimSpace(c.Query))
		narrowed := q
		if c.TargetIPv4 != "" {
			narrowed += " ip:" + strings.ToLower(c.TargetIPv4)
		}
		if c.TargetHostname != "" {
			narrowed += " hostname:" + strings.ToLower(c.TargetHostname)
		}
		return []string{q, narrowed}
	case signatures.CloudConfig:
		p, r := strings.ToLower(c.CloudProvider), strings.ToLower(c.CloudRegion)
		return []string{p + " " + r, p + ":" + strings.ToLower(c.CloudAccountID) + ":" + r}
	}
	return nil
}

// add counts the targets result names.
func (m *targetMatcher) add(result string) {
	if m.reported == len(m.named) {
		return
	}
	r := strings.ToLower(result)
	// A query, before ": ".
	for rest, off := r, 0; ; {
		i := strings.Index(rest, ": ")
		if i < 0 {
			break
		}
		m.mark(strings.TrimSpace(r[:off+i]))
		off += i + 2
		rest = r[off:]
	}
	// A cloud provider and region: the first two words.
	if f := strings.Fields(r); len(f) >= 2 {
		m.mark(f[0] + " " + f[1])
	}
	// An address or a host name, bare, bracketed or before ":port".
	for _, w := range strings.FieldsFunc(r, isSeparator) {
		w = strings.TrimRight(w, ":.")
		m.mark(canonicalWord(w))
		if i := strings.LastIndexByte(w, ':'); i > 0 {
			if _, err := netip.ParseAddr(w); err != nil {
				m.mark(canonicalWord(w[:i]))
			}
		}
	}
}

func (m *targetMatcher) mark(key string) {
	for _, i := range m.byKey[key] {
		if !m.named[i] {
			m.named[i] = true
			m.reported++
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
