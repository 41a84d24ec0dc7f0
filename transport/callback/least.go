package callback

import (
	"math"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// The longest source addresses a network signature carries: an IPv4
// address (longer than signatures.UnknownSourceIP) and a global IPv6 one,
// never zoned.
const (
	longestIPv4 = "255.255.255.255"
	longestIPv6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
)

// leastBound returns a size no smaller than the encoding of t's least
// payload target (runtime.Prepared.LeastPayloadTargets: its attribution
// and, per expectation type, the source addresses of a network target,
// counted at their longest, its identity values, a start and an end time
// and the status of a run that ended), counted from the lengths of its values
// alone, so that Received measures no target of an ordinary inject. It
// assumes the most expectation types (three) and the worst escaping
// (6 bytes per byte, \u00XX, plus the quotes); every key, bracket and
// comma around a value takes less than 80 bytes (`{"signature_type":"`,
// a name of at most 16 bytes, `","signature_value":`, `},`), around an
// attribution field less than 20, around a group less than 64, and around
// the target less than 64. A target of unknown configuration has no
// bound (math.MaxInt): it is measured. t is read where it is (Received
// bounds each of a million targets).
func leastBound(t *framework.Target) int {
	var n, size int // source and identity values and their bytes
	add := func(v string) {
		if v != "" {
			n++
			size += len(v)
		}
	}
	switch c := t.Config.(type) {
	case signatures.NetworkConfig:
		add(longestIPv4)
		add(longestIPv6)
		add(c.TargetIPv4)
		add(c.TargetIPv6)
		add(c.TargetHostname)
	case signatures.CloudConfig:
		add(c.CloudProvider)
		add(c.CloudAccountID)
		add(c.CloudRegion)
		add(c.TargetService)
	case signatures.ExternalConfig:
		add(c.Query)
		add(c.TargetIPv4)
		add(c.TargetHostname)
	default:
		return math.MaxInt
	}
	a := t.Attribution
	const types, times = 3, 2*len("0000-00-00T00:00:00Z") + len(signatures.StatusSuccess)
	group := 64 + (n+3)*80 + 6*(size+times)
	return 64 + 3*20 + 6*(len(a.Agent)+len(a.Asset)+len(a.AssetGroup)) + types*group
}
