package openaev

import (
	"sort"
	"strings"

	"github.com/injectkit/injectkit/framework"
)

// OptInInjectors are served only when named (setting injectors): the
// default selection leaves them out. noop runs nothing: registering it on
// a production platform would offer users a contract that does nothing.
var optIn = map[string]bool{"noop": true}

// IsOptIn reports whether injector name is served only when named.
func IsOptIn(name string) bool { return optIn[name] }

// ParseInjectors splits the injectors setting ("nmap, query"): names
// trimmed, blanks and repeats dropped, in order. A blank setting gives
// none (the default selection).
func ParseInjectors(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// SelectInjectors returns the manifests of the injectors to register and
// consume for, sorted by name: those named, or, when names is empty, every
// one of manifests except those served only when named (noop). A name
// that is not among manifests is a *ValidationError on field injectors
// naming it and listing the known ones; so is a selection left empty.
func SelectInjectors(manifests []framework.Manifest, names []string) ([]framework.Manifest, error) {
	byName := make(map[string]framework.Manifest, len(manifests))
	known := make([]string, 0, len(manifests))
	for _, m := range manifests {
		byName[m.Name] = m
		known = append(known, m.Name)
	}
	sort.Strings(known)
	var out []framework.Manifest
	if len(names) == 0 {
		for _, n := range known {
			if !optIn[n] {
				out = append(out, byName[n])
			}
		}
		if len(out) == 0 {
			return nil, &ValidationError{Field: "injectors", Reason: "no injector to serve by default " +
				"(known: " + strings.Join(known, ", ") + "; noop is served only when named)"}
		}
		return out, nil
	}
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		m, ok := byName[n]
		if !ok {
			return nil, &ValidationError{Field: "injectors", Value: n,
				Reason: "unknown injector (known: " + strings.Join(known, ", ") + ")"}
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
