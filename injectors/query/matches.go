package query

import (
	"net/netip"
	"slices"
	"strings"
)

// What a provider's matches yield for the findings: their addresses and
// their CVE ids, each sorted and unique.

// matchedIPs returns the unique addresses of matches, in address order.
func matchedIPs(ms []Match) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		if m.IP != "" {
			out = append(out, m.IP)
		}
	}
	return sortUniqueIPs(out)
}

// sortUniqueIPs sorts addresses numerically (IPv4 before IPv6; anything
// unparsable last, as text) and drops duplicates, in place.
func sortUniqueIPs(s []string) []string {
	slices.SortFunc(s, func(a, b string) int {
		pa, ea := netip.ParseAddr(a)
		pb, eb := netip.ParseAddr(b)
		switch {
		case ea == nil && eb == nil:
			if c := pa.Compare(pb); c != 0 {
				return c
			}
		case ea == nil:
			return -1
		case eb == nil:
			return 1
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(s)
}

// matchedCVEs returns the sorted unique CVE ids of matches.
func matchedCVEs(ms []Match) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.Vulns...)
	}
	return sortUnique(out)
}

func nonNilMatches(ms []Match) []Match {
	if ms == nil {
		return []Match{}
	}
	return ms
}
