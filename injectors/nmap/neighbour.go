package nmap

import (
	"bufio"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/framework"
)

// A target on a network of the machine's own (an address of one of its
// links' subnets) that no host holds gets no probe: the kernel asks ARP
// for it first and, with no answer, sends nothing else; a connect scan's
// every connect() waits on it. nmap, with -Pn, reports the host all the
// same ("user-set"), every port filtered for no-response and no <times>
// (no round trip measured), as it reports a host behind a firewall that
// drops every probe, which did get them: its report alone cannot tell the
// two apart. The kernel's neighbour table can: it holds such an address
// without a link-layer address (incomplete, or failed once ARP gave up),
// where a host that answered ARP has one. So a host every port of which
// nmap found filtered, whose address the table holds unanswered, is taken
// for one no probe went to (noRouteCheck.mark). A SYN or FIN scan, as
// root, asks ARP itself and leaves such a host out of its report: the
// target nmap finished its scan without is told so the same way
// (explainUnanswered). Only IPv4 is told (ARP; the table of IPv6's
// neighbour discovery is not read): an IPv6 address is taken as reached.
// A host beyond a router is never in the table: taken as reached too.

// whyNoNeighbour is why a target on the local network that nothing
// answered ARP for got no probe.
const whyNoNeighbour = "not scanned: nothing answered ARP for it on the local network (the host is down or absent), so no probe could go to it"

// arpTables are where Linux lists its IPv4 neighbours, for this thread's
// network namespace.
var arpTables = []string{"/proc/thread-self/net/arp", "/proc/net/arp"}

// kernelUnanswered reports whether the kernel's neighbour table holds the
// IPv4 address addr without a link-layer address: asked for over ARP,
// never answered. false when the table cannot be read (not Linux).
func kernelUnanswered(addr netip.Addr) bool {
	for _, path := range arpTables {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		defer f.Close()
		return unansweredIn(f, addr)
	}
	return false
}

// atfCom is the ARP table's flag of an entry whose link-layer address is
// known (ATF_COM, linux/if_arp.h).
const atfCom = 0x02

// unansweredIn reports whether the table r, in /proc/net/arp's format (a
// heading line, then "IP address, HW type, Flags, HW address, Mask,
// Device" columns), holds addr without ATF_COM on any device, and with it
// on none.
func unansweredIn(r io.Reader, addr netip.Addr) bool {
	if !addr.Unmap().Is4() {
		return false
	}
	addr = addr.Unmap()
	sc := bufio.NewScanner(r)
	sc.Scan() // the heading
	unanswered := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		a, err := netip.ParseAddr(f[0])
		if err != nil || a != addr {
			continue
		}
		flags, err := strconv.ParseUint(strings.TrimPrefix(f[2], "0x"), 16, 32)
		if err != nil {
			continue
		}
		if flags&atfCom != 0 {
			return false // answered on some link
		}
		unanswered = true
	}
	return unanswered
}

// explainUnanswered tells, of the address targets nmap finished its scan
// without (whySkipped in unreached, keyed by the inject's targets in),
// those the kernel's neighbour table holds unanswered: nothing answered
// ARP for them (a SYN or FIN scan asks it, and leaves such a host out).
func (e *Executor) explainUnanswered(unreached map[framework.Target]string, in []framework.Target, targets []scanTarget) {
	if e.unanswered == nil {
		return
	}
	for _, t := range targets {
		if !t.addr.IsValid() || unreached[in[t.index]] != whySkipped {
			continue
		}
		if e.unanswered(t.addr) {
			unreached[in[t.index]] = whyNoNeighbour
		}
	}
}
