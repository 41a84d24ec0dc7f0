package nmap

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"

	"github.com/injectkit/injectkit/framework"
)

// A target this machine has no route to, or no address to send to from
// (an IPv6 target where IPv6 is disabled), or one a route of its own
// refuses, gets no packet: a connect scan's connect() fails at once
// (ENETUNREACH, EADDRNOTAVAIL, EHOSTUNREACH…), and nmap, with -Pn, still
// reports the host, every port filtered (for "net-unreach", or
// "no-response" beside a "Strange read error" on its standard error). A
// SYN or FIN scan skips such a target instead ("failed to determine
// route", unresolvedNames). Reported as nmap reports it, the target would
// read as scanned with no open port: ports_discovered [], a success of
// its own. So a host every port of which nmap found filtered is taken for
// one no packet went to when the kernel, asked for the route to its
// address (routeTo), says it has none, no source address for it, or a
// route refusing it. A router's ICMP "network unreachable", which reads as
// net-unreach in nmap's report too, comes with a route: the probe left,
// and the host stays reached, as a host that answered nothing does.

// Why a host got no packet, by the kernel's answer to its route.
const (
	whyNoRoute  = "not scanned: no route to it (network is unreachable)"
	whyNoSource = "not scanned: the machine has no address to send to it from (cannot assign requested address)"
	// whyRefusedRoute is followed by the kernel's word for it.
	whyRefusedRoute = "not scanned: the machine's routes send nothing to it"
)

// kernelRoute returns the kernel's error when it has no route to addr, or
// no source address for it: connecting a UDP socket looks the route up and
// sends no packet.
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

// unsentWhy is why no packet could go to an address the kernel answered
// err for; "" when one could. Besides no route and no source address, a
// route of the machine's own may refuse the address: unreachable (no
// route to host), prohibit (permission denied), blackhole (invalid
// argument), each of which a connect() meets as the lookup does.
func unsentWhy(err error) string {
	var errno syscall.Errno
	switch {
	case errors.Is(err, syscall.ENETUNREACH):
		return whyNoRoute
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return whyNoSource
	case errors.As(err, &errno):
		return whyRefusedRoute + " (" + errno.Error() + ")"
	}
	return ""
}

// allFiltered reports whether nmap found every port of h, listed or
// counted, filtered, and at least one: no port answered.
func allFiltered(h host) bool {
	n := 0
	for _, p := range h.Ports {
		if p.State.State != "filtered" {
			return false
		}
		n++
	}
	for _, x := range h.Extra {
		if x.State != "filtered" {
			return false
		}
		n += x.Count
	}
	return n > 0
}

// noRouteCheck marks the hosts no packet could go to (host.unsent): those
// nmap found every port of filtered and the kernel has no route, or no
// source address, to, or holds unanswered in its neighbour table (see
// neighbour.go), each address asked once.
type noRouteCheck struct {
	route func(netip.Addr) error
	// unanswered: see Executor.unanswered (neighbour.go).
	unanswered func(netip.Addr) bool
	seen       map[string]string // why, by address
}

func (e *Executor) newNoRouteCheck() *noRouteCheck {
	return &noRouteCheck{route: e.routeTo, unanswered: e.unanswered, seen: map[string]string{}}
}

func (c *noRouteCheck) mark(h *host) {
	if c.route == nil || !allFiltered(*h) {
		return
	}
	addr := hostAddr(*h)
	why, ok := c.seen[addr]
	if !ok {
		if a, err := netip.ParseAddr(addr); err == nil && a.Zone() == "" {
			why = unsentWhy(c.route(a))
			if why == "" && c.unanswered != nil && c.unanswered(a) {
				why = whyNoNeighbour
			}
		}
		c.seen[addr] = why
	}
	h.unsent = why
}

// splitNoRoute returns the hosts a packet could go to, and those none
// could.
func splitNoRoute(hosts []host) (reached []host, none []host) {
	for _, h := range hosts {
		if h.unsent != "" {
			none = append(none, h)
		} else {
			reached = append(reached, h)
		}
	}
	return reached, none
}

// noRouteUnreached names not reached, in out (Unreached, keyed by the
// inject's targets in), the targets that the hosts none (splitNoRoute)
// match and nmap reported no other host for (r.scanned), with the host's
// why; it returns out, made when nil and needed.
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
			out[in[t.index]] = h.unsent
		}
	}
	return out
}

// noRouteMessage is the failure of a run whose every host nmap reported
// is one no packet could go to.
func noRouteMessage(none []host) string {
	addrs := make([]string, 0, len(none))
	for _, h := range none {
		addrs = append(addrs, hostAddr(h)+" ("+strings.TrimPrefix(h.unsent, "not scanned: ")+")")
	}
	return fmt.Sprintf("no packet could go to any target: %s", nameSome(addrs))
}
