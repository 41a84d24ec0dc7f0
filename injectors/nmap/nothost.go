package nmap

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// An address that is no host (signatures.NotAHost) is refused as a
// target: the unspecified address (0.0.0.0, ::) reaches the machine
// itself, so the scan would be of the injector's own host; the limited
// broadcast address and a multicast address name a group of hosts. A
// host name may resolve to one all the same: a DNS sinkhole's answer for
// a blocked name is 0.0.0.0 (Pi-hole, a response policy zone), as is an
// ad-blocking /etc/hosts line's. nmap scans such a name at that address:
// at 0.0.0.0 the injector's own ports reported as the target's, on its
// asset; at a multicast or broadcast address, where the kernel refuses a
// connect scan's every connect(), a host every port of which is filtered,
// read as scanned with nothing open, though no packet went. So every scan
// is told to leave those addresses out (--exclude, notHosts), which nmap
// does without a word: it finishes the scan without the name
// (whySkipped). A name it finished without is looked up again
// (Executor.lookupIPv4), and one that resolves to such an address is
// said so (whyNotAHost).

// notHosts is the --exclude list of a scan: the addresses of its family
// that are no host, as any nmap reads it (7.93 reads either family's in
// either scan).
func notHosts(ipv6 bool) string {
	if ipv6 {
		return "::,ff00::/8"
	}
	return "0.0.0.0,255.255.255.255,224.0.0.0/4"
}

// whyNotAHost is why a name that resolves to a, no host, got no packet.
func whyNotAHost(a netip.Addr) string {
	switch {
	case a.IsUnspecified():
		return fmt.Sprintf("not scanned: the name resolves to %s, the unspecified address (the injector's own host)", a)
	case a.IsMulticast():
		return fmt.Sprintf("not scanned: the name resolves to %s, a multicast address (not one host)", a)
	}
	return fmt.Sprintf("not scanned: the name resolves to %s, the limited broadcast address (not one host)", a)
}

// lookupBudget bounds the lookups of explainSkipped, all of them.
const lookupBudget = 5 * time.Second

// lookupIPv4 returns the IPv4 addresses name resolves to, by the system
// resolver (/etc/hosts, then DNS), as nmap resolves it.
func lookupIPv4(ctx context.Context, name string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip4", name)
}

// explainSkipped names why nmap finished its scan without a host name
// target (whySkipped in unreached, of in by index): whyNotAHost when the
// name resolves to an address that is no host. Each name is looked up
// once, within lookupBudget and ctx: one not looked up in time keeps
// whySkipped.
func (e *Executor) explainSkipped(ctx context.Context, unreached map[framework.Target]string, in []framework.Target, targets []scanTarget) {
	if e.lookupIPv4 == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, lookupBudget)
	defer cancel()
	why := map[string]string{} // by name: "" when it resolves to no such address
	for _, t := range targets {
		if t.name == "" || unreached[in[t.index]] != whySkipped {
			continue
		}
		w, ok := why[t.name]
		if !ok {
			addrs, _ := e.lookupIPv4(ctx, t.name)
			for _, a := range addrs {
				if a = a.Unmap(); signatures.NotAHost(a) != "" {
					w = whyNotAHost(a)
					break
				}
			}
			why[t.name] = w
		}
		if w != "" {
			unreached[in[t.index]] = w
		}
	}
}
