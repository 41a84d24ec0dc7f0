package signatures

import (
	"errors"
	"net"
	"net/netip"
	"sync"
)

// routePort is the port the route lookup connects its UDP socket to
// (discard): connecting a UDP socket sends nothing, the port is never
// reached.
const routePort = 9

// RouteSources finds the source addresses of network targets one by one,
// for an injector whose traffic goes to its targets' own addresses (a
// scanner, framework.DirectSender): the address the target sees the
// injector come from is the one the kernel picks on the route to it, which
// on a machine with several addresses (loopback, a VPN, a second network)
// is not the host-wide one. Build one per inject with
// Manager.RouteSources, so that every signature of the inject, built as
// often as it is, carries the same addresses; it is safe for concurrent
// use.
type RouteSources struct {
	m     *Manager
	mu    sync.Mutex
	cache map[netip.Addr]string // the source on the route to an address, "" when none
}

// RouteSources returns an empty RouteSources over the Manager's resolver.
func (m *Manager) RouteSources() *RouteSources {
	return &RouteSources{m: m, cache: map[netip.Addr]string{}}
}

// For returns the source addresses of a signature of c. A network target
// given by its address gets, for that address's family, the source address
// the kernel would send from on the route to it (Resolver.Route: a UDP
// socket connected to it, which sends no packet), looked up once per
// address; the other family, like a target given by a host name (not
// resolved here), a target with no route or a Resolver without Route, gets
// the Manager's host-wide address (ResolveSourceIP). CONTAINER_IP, when
// set, is the IPv4 address of every target. A cloud or external
// configuration has none. An IPv4-mapped IPv6 target is the IPv4 address
// it maps (Canonical): its source is an IPv4 address, never put in
// source_ipv6.
func (r *RouteSources) For(c Config) SourceIPs {
	nc, ok := networkOf(c)
	if !ok {
		return SourceIPs{}
	}
	src := r.m.ResolveSourceIP()
	dst, v6 := r.dest(nc.canonical())
	switch a := r.route(dst); {
	case a == "":
	case v6:
		src.IPv6 = a
	default:
		src.IPv4 = a
	}
	return src
}

// dest returns the address whose route For looks up for the canonical
// nc, and whether it is nc's IPv6 address; "" when none is.
func (r *RouteSources) dest(nc NetworkConfig) (dst string, v6 bool) {
	switch {
	case nc.TargetIPv4 != "" && !r.m.pinned:
		return nc.TargetIPv4, false
	case nc.TargetIPv6 != "":
		return nc.TargetIPv6, true
	}
	return "", false
}

// Prefetch looks up, in a goroutine of its own, the routes For will look
// up for the n configurations config returns, into the cache For reads,
// until it has them all or stop is called; stop returns once it has
// ended. A run calls it as its executor starts (the lookups then overlap
// the scan, instead of following it), and stop when the executor returns:
// what is not looked up by then, For looks up itself. Each address is
// still looked up once. A nil RouteSources prefetches nothing.
func (r *RouteSources) Prefetch(n int, config func(i int) Config) (stop func()) {
	if r == nil || r.m.resolver.Route == nil || n == 0 {
		return func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		r.m.ResolveSourceIP() // whether CONTAINER_IP pins the IPv4 source (dest)
		for i := range n {
			select {
			case <-quit:
				return
			default:
			}
			if nc, ok := networkOf(config(i)); ok {
				dst, _ := r.dest(nc.canonical())
				r.route(dst)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
}

// route returns the source address on the route to dst, "" when there is
// none (or dst is not an address).
func (r *RouteSources) route(dst string) string {
	if r.m.resolver.Route == nil || dst == "" {
		return ""
	}
	a, err := netip.ParseAddr(dst)
	if err != nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	src, ok := r.cache[a]
	if !ok {
		if s, err := r.m.resolver.Route(a); err == nil && s.IsValid() && !s.IsUnspecified() {
			src = s.Unmap().WithZone("").String()
		}
		r.cache[a] = src
	}
	return src
}

// networkOf returns c as a NetworkConfig, whether a value or a pointer.
func networkOf(c Config) (NetworkConfig, bool) {
	switch c := c.(type) {
	case NetworkConfig:
		return c, true
	case *NetworkConfig:
		if c != nil {
			return *c, true
		}
	}
	return NetworkConfig{}, false
}

// routeSource returns the source address the kernel would send from to
// reach dst: the local address of a UDP socket connected to dst. A UDP
// connect only looks the route up: no packet leaves the machine.
func routeSource(dst netip.Addr) (netip.Addr, error) {
	network := "udp6"
	if dst = dst.Unmap(); dst.Is4() {
		network = "udp4"
	}
	c, err := net.DialUDP(network, nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, routePort)))
	if err != nil {
		return netip.Addr{}, err
	}
	defer c.Close()
	la, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok {
		return netip.Addr{}, errors.New("route lookup: no local address")
	}
	return la.AddrPort().Addr(), nil
}
