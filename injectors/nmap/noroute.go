package nmap

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"github.com/injectkit/injectkit/framework"
)

// A target this machine has no route to gets no packet: a connect scan's
// connect() fails at once (ENETUNREACH), and nmap, with -Pn, still
// reports the host, every port of it filtered for "net-unreach" (a SYN or
// FIN scan skips such a target instead, "failed to determine route").
// Reported as nmap reports it, the target would read as scanned with no
// open port: ports_discovered [], a success of its own. A router's ICMP
// "network unreachable" reads the same in nmap's report, though the probe
// left the machine: so the host is taken for one no packet went to only
// when the kernel also has no route to its address (routeTo).

// whyNoRoute says why a target that has no route got no packet.
const whyNoRoute = "not scanned: no route to it (nmap found every port network unreachable)"

// kernelRoute returns the kernel's error when it has no route to addr:
// connecting a UDP socket looks the route up and sends no packet.
func kernelRoute(addr netip.Addr) error {
	network := "udp4"
	if addr.Is6() && !addr.Is4In6() {
		network = "udp6"
	}
	c, err := net.DialUDP(network, nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr.Unmap(), 9)))
	if err != nil {
		return err
	}
	return c.Close()
}

// allNetUnreach reports whether nmap found every port of h, listed or
// counted, filtered for "net-unreach", and at least one.
func allNetUnreach(h host) bool {
	n := 0
	for _, p := range h.Ports {
		if p.State.State != "filtered" || p.State.Reason != "net-unreach" {
			return false
		}
		n++
	}
	for _, x := range h.Extra {
		if x.State != "filtered" {
			return false
		}
		for _, r := range x.Reasons {
			if r.Reason != "net-unreach" {
				return false
			}
		}
		if len(x.Reasons) == 0 {
			return false
		}
		n += x.Count
	}
	return n > 0
}

// noRouteCheck marks the hosts no packet could go to (host.noRoute): those
// nmap found every port of network unreachable and the kernel has no route
// to, each address asked once.
type noRouteCheck struct {
	route func(netip.Addr) error
	seen  map[string]bool
}

func (e *Executor) newNoRouteCheck() *noRouteCheck {
	return &noRouteCheck{route: e.routeTo, seen: map[string]bool{}}
}

func (c *noRouteCheck) mark(h *host) {
	if c.route == nil || !allNetUnreach(*h) {
		return
	}
	addr := hostAddr(*h)
	none, ok := c.seen[addr]
	if !ok {
		a, err := netip.ParseAddr(addr)
		none = err == nil && a.Zone() == "" && errors.Is(c.route(a), syscall.ENETUNREACH)
		c.seen[addr] = none
	}
	h.noRoute = none
}

// splitNoRoute returns the hosts a packet could go to, and the addresses
// of those none could.
func splitNoRoute(hosts []host) (reached []host, none []host) {
	for _, h := range hosts {
		if h.noRoute {
			none = append(none, h)
		} else {
			reached = append(reached, h)
		}
	}
	return reached, none
}

// noRouteUnreached names not reached, in out (Unreached, keyed by the
// inject's targets in), the targets that the hosts none (splitNoRoute)
// match and nmap reported no other host for (r.scanned), with whyNoRoute;
// it returns out, made when nil and needed.
func noRouteUnreached(out map[framework.Target]string, in []framework.Target, targets []scanTarget, r report, none []host) map[framework.Target]string {
	if len(none) == 0 {
		return out
	}
	idx := indexTargets(targets)
	for _, h := range none {
		for _, t := range idx.matching(h) {
			if r.scanned[t.index] {
				continue
			}
			if out == nil {
				out = map[framework.Target]string{}
			}
			out[in[t.index]] = whyNoRoute
		}
	}
	return out
}

// noRouteMessage is the failure of a run whose every host nmap reported
// is one no packet could go to.
func noRouteMessage(none []host) string {
	addrs := make([]string, 0, len(none))
	for _, h := range none {
		addrs = append(addrs, hostAddr(h))
	}
	return fmt.Sprintf("no route to any target (%s): nmap found every port network unreachable", nameSome(addrs))
}
