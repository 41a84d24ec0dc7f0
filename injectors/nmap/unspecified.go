package nmap

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/injectkit/injectkit/framework"
)

// The unspecified address (0.0.0.0, ::) is refused as a target: a
// connection to it reaches the machine itself, so the scan would be of the
// injector's own host. A host name may resolve to it all the same: a DNS
// sinkhole's answer for a blocked name (Pi-hole, a response policy zone),
// an ad-blocking /etc/hosts line. nmap scans such a name at 0.0.0.0, the
// injector's own ports then reported as the target's, on its asset. So
// every scan is told to leave the unspecified address out (--exclude
// 0.0.0.0, or :: for an IPv6 scan), which nmap does without a word: it
// finishes the scan without the name (whySkipped). A name it finished
// without is looked up again (Executor.lookupIPv4), and one that resolves
// to the unspecified address is said so (whyUnspecified).

// excludeUnspecified is the --exclude list of a scan: the unspecified
// address of its family alone, as any nmap reads it (7.93 reads either
// family's in either scan).
func excludeUnspecified(ipv6 bool) string {
	if ipv6 {
		return "::"
	}
	return "0.0.0.0"
}

// whyUnspecified is why a name resolving to the unspecified address got
// no packet.
const whyUnspecified = "not scanned: the name resolves to 0.0.0.0, the unspecified address (the injector's own host)"

// lookupBudget bounds the lookups of explainSkipped, all of them.
const lookupBudget = 5 * time.Second

// lookupIPv4 returns the IPv4 addresses name resolves to, by the system
// resolver (/etc/hosts, then DNS), as nmap resolves it.
func lookupIPv4(ctx context.Context, name string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip4", name)
}

// explainSkipped names why nmap finished its scan without a host name
// target (whySkipped in unreached, of in by index): whyUnspecified when
// the name resolves to the unspecified address. Each name is looked up
// once, within lookupBudget and ctx: one not looked up in time keeps
// whySkipped.
func (e *Executor) explainSkipped(ctx context.Context, unreached map[framework.Target]string, in []framework.Target, targets []scanTarget) {
	if e.lookupIPv4 == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, lookupBudget)
	defer cancel()
	unspecified := map[string]bool{}
	for _, t := range targets {
		if t.name == "" || unreached[in[t.index]] != whySkipped {
			continue
		}
		is, ok := unspecified[t.name]
		if !ok {
			addrs, err := e.lookupIPv4(ctx, t.name)
			is = err == nil && slices.ContainsFunc(addrs, func(a netip.Addr) bool { return a.Unmap().IsUnspecified() })
			unspecified[t.name] = is
		}
		if is {
			unreached[in[t.index]] = whyUnspecified
		}
	}
}
