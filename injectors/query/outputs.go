package query

import (
	"net/netip"

	"github.com/injectkit/injectkit/signatures"
)

// Findings keys of the declared outputs.
const (
	FieldMatchedIPs  = "matched_ips"  // ipv4: matched IPv4 addresses
	FieldMatchedIPv6 = "matched_ipv6" // ipv6: matched IPv6 addresses
	FieldCVEs        = "cves"         // cve: one CVE object per CVE id
)

// CVE severities, from the CVSS score Shodan gives.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
	SeverityInfo     = "info"
	SeverityUnknown  = "unknown"
)

// CVE is one element of the cves output, in the shape of the platform's
// cve output type (what the platform's own nuclei injector sends).
type CVE struct {
	// ID is the CVE id, upper-case.
	ID string `json:"id"`
	// Host lists where the CVE was seen: the addresses of the banners that
	// carry it (address order), then their host names (sorted).
	Host []string `json:"host"`
	// AssetID lists the platform asset ids of the targets whose query found
	// it, sorted; empty when no such target names an asset.
	AssetID []string `json:"asset_id"`
	// Severity is the severity of the highest CVSS score Shodan gives it,
	// or unknown when it gives none.
	Severity string `json:"severity"`
}

// severity maps a CVSS score to a severity the usual way: 9 and up
// critical, 7 high, 4 medium, above 0 low, 0 info. A CVE without a score
// is unknown.
func severity(score float64, scored bool) string {
	switch {
	case !scored:
		return SeverityUnknown
	case score >= 9:
		return SeverityCritical
	case score >= 7:
		return SeverityHigh
	case score >= 4:
		return SeverityMedium
	case score > 0:
		return SeverityLow
	}
	return SeverityInfo
}

// cveSeen gathers what is known of one CVE id while results are walked.
type cveSeen struct {
	ips, names []string
	assets     []string
	score      float64
	scored     bool
}

// buildCVEs returns one CVE object per CVE id found in results, sorted by
// id; metas holds the inject's target metadata, one per result (a missing
// one names no asset).
func buildCVEs(results []ConfigResult, metas []signatures.Attribution) []CVE {
	seen := map[string]*cveSeen{}
	for i, r := range results {
		asset := ""
		if i < len(metas) {
			asset = metas[i].Asset
		}
		for _, m := range r.Matches {
			for _, id := range m.Vulns {
				c := seen[id]
				if c == nil {
					c = &cveSeen{}
					seen[id] = c
				}
				if m.IP != "" {
					c.ips = append(c.ips, m.IP)
				}
				c.names = append(c.names, m.Hostnames...)
				if asset != "" {
					c.assets = append(c.assets, asset)
				}
				if s, ok := m.CVSS[id]; ok && (!c.scored || s > c.score) {
					c.score, c.scored = s, true
				}
			}
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	out := make([]CVE, 0, len(ids))
	for _, id := range sortUnique(ids) {
		c := seen[id]
		out = append(out, CVE{
			ID:       id,
			Host:     append(sortUniqueIPs(c.ips), sortUnique(c.names)...),
			AssetID:  nonNil(sortUnique(c.assets)),
			Severity: severity(c.score, c.scored),
		})
	}
	return out
}

// splitFamilies splits addresses into IPv4 and IPv6, each sorted and
// unique. Each address is taken in its canonical form (canonicalAddr: an
// IPv4-mapped IPv6 address counts as its IPv4 address, a zone is dropped)
// before duplicates are removed: each list holds only what the platform's
// ipv4 and ipv6 outputs accept. Anything that is not an address is left
// out.
func splitFamilies(addrs []string) (v4, v6 []string) {
	v4, v6 = []string{}, []string{}
	for _, s := range addrs {
		a, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		a = canonicalAddr(a)
		if a.Is4() {
			v4 = append(v4, a.String())
		} else {
			v6 = append(v6, a.String())
		}
	}
	return sortUniqueIPs(v4), sortUniqueIPs(v6)
}
