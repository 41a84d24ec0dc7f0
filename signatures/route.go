package signatures

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// routePort is the port the route lookup connects its UDP socket to
// (discard): connecting a UDP socket sends nothing, the port is never
// reached.
const routePort = 9

// nameLookupTimeout bounds the resolution of one host-name target's
// addresses (RouteSources.resolve), as Resolve bounds the machine's, and
// how long the names not yet resolved when a Prefetch is stopped may
// still take, all of them together.
const nameLookupTimeout = 5 * time.Second

// maxNameLookups bounds the host names Prefetch resolves at once.
const maxNameLookups = 16

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
	names map[string]*resolved  // what each host-name target resolves to
	// lookups is the context of every name lookup, cancelled
	// (endNames) nameLookupTimeout after a Prefetch is stopped: a name
	// not resolved by then is not looked up any more.
	lookups  context.Context
	endNames context.CancelFunc
	// traffic: each target carries the source of its traffic's family
	// only (TrafficOnly).
	traffic bool
	// asked counts the route lookups made; once it reaches cellsAfter,
	// part is the kernel's partition (nil when it has none) and bycell
	// the source known in each of its cells (routeCells).
	asked  int
	part   *cellPartition
	bycell map[netip.Prefix]string
}

// resolved is what one host name resolves to, looked up once, and the
// address of each family a scanner scans (scanned), ordered once.
type resolved struct {
	once  sync.Once
	addrs [2][]netip.Addr // each family's addresses (IPv4, IPv6), as the resolver gave them
	order [2]sync.Once
	first [2]netip.Addr // the address scanned of each family, invalid when none
}

// RouteSources returns an empty RouteSources over the Manager's resolver.
func (m *Manager) RouteSources() *RouteSources {
	ctx, cancel := context.WithCancel(context.Background())
	return &RouteSources{m: m, cache: map[netip.Addr]string{}, names: map[string]*resolved{}, lookups: ctx, endNames: cancel}
}

// For returns the source addresses of a signature of c. A network target
// given by its address gets, for that address's family, the source address
// the kernel would send from on the route to it (Resolver.Route: a UDP
// socket connected to it, which sends no packet), looked up once per
// address. A target given by a host name is resolved first, once per
// name, by the system resolver (Resolver.LookupHost, the resolution the
// injector's own traffic goes through: /etc/hosts, then DNS), and gets,
// for each family the name resolves to, the source on the route to its
// first address of that family in the order glibc's getaddrinfo returns
// them (byScanOrder, from the routes to each), the one a scanner such as
// nmap scans. The
// other family, like a name that does not resolve, a target with no route
// or a Resolver without Route, gets the Manager's host-wide address
// (ResolveSourceIP). CONTAINER_IP, when set, is the IPv4 address of every
// target. A cloud or external configuration has none. An IPv4-mapped IPv6
// target is the IPv4 address it maps (Canonical): its source is an IPv4
// address, never put in source_ipv6. After TrafficOnly, the family the
// target's traffic does not use is left empty. For logs nothing: a source
// looked up is not yet a signature built (a size estimate asks too, and a
// target found not reached gets a signature without sources); a Batch
// logs the IPv4 source unknown of a signature it builds (see noIPv4).
func (r *RouteSources) For(c Config) SourceIPs {
	nc, ok := networkOf(c)
	if !ok {
		return SourceIPs{}
	}
	nc = nc.canonical()
	src := r.m.ResolveSourceIP()
	for _, dst := range r.dests(nc) {
		switch a := r.route(dst); {
		case a == "":
		case dst.Is4():
			src.IPv4 = a
		default:
			src.IPv6 = a
		}
	}
	if r.traffic {
		src = trafficFamily(nc, src)
	}
	return src
}

// TrafficOnly has For give each target the source address of the family
// its traffic uses, and nothing for the other: an IPv4 address's
// source_ipv4 alone, an IPv6 address's source_ipv6 alone, and a host
// name's source_ipv4 alone, the family a DirectSender's scan of a name
// uses (nmap, given a name without -6, scans its first IPv4 address in
// getaddrinfo's order; a
// name with no IPv4 address it does not scan at all). A profile whose
// receivers match a signature on any of its source addresses (the
// openaev collectors OR them) asks for it, so that an address the
// target's traffic never came from matches none of its events. Call it
// before For and Prefetch. A nil RouteSources ignores it.
func (r *RouteSources) TrafficOnly() {
	if r != nil {
		r.traffic = true
	}
}

// trafficFamily keeps, of src, the source of the family the traffic to
// the canonical nc uses (see TrafficOnly).
func trafficFamily(nc NetworkConfig, src SourceIPs) SourceIPs {
	if nc.TargetIPv6 != "" {
		return SourceIPs{IPv6: src.IPv6}
	}
	return SourceIPs{IPv4: src.IPv4}
}

// dests returns the addresses whose routes For looks up for the canonical
// nc: its address, or the address scanned of each family its host name
// resolves to (scanned; its IPv4 one alone after TrafficOnly); an IPv4
// one only when CONTAINER_IP does not pin the IPv4 source.
func (r *RouteSources) dests(nc NetworkConfig) []netip.Addr {
	var as []netip.Addr
	switch {
	case nc.TargetIPv4 != "":
		as = appendAddr(as, nc.TargetIPv4)
	case nc.TargetIPv6 != "":
		as = appendAddr(as, nc.TargetIPv6)
	case nc.TargetHostname != "":
		if n := r.resolve(nc.TargetHostname); n != nil {
			for f := range n.first {
				if f == family6 && r.traffic || f == family4 && r.m.pinned {
					continue // its routes are not looked up
				}
				if a := r.scanned(n, f); a.IsValid() {
					as = append(as, a)
				}
			}
		}
	}
	if r.m.pinned {
		as = slices.DeleteFunc(as, netip.Addr.Is4)
	}
	return as
}

// appendAddr appends the address s to as, unless s is none.
func appendAddr(as []netip.Addr, s string) []netip.Addr {
	if a, err := netip.ParseAddr(s); err == nil {
		as = append(as, a.Unmap())
	}
	return as
}

// resolve returns what the host name resolves to, looked up once per name
// (concurrent callers for one name wait for the one lookup); nil when the
// Resolver has no LookupHost, or no Route to look up once it has. After
// a Prefetch's stop, the lookup ends within nameLookupTimeout of it, and
// a name not looked up by then resolves to nothing, as one whose lookup
// failed.
func (r *RouteSources) resolve(name string) *resolved {
	if r.m.resolver.LookupHost == nil || r.m.resolver.Route == nil {
		return nil
	}
	r.mu.Lock()
	n := r.names[name]
	if n == nil {
		n = &resolved{}
		r.names[name] = n
	}
	r.mu.Unlock()
	n.once.Do(func() {
		if r.lookups.Err() != nil {
			return // name lookups are over
		}
		ctx, cancel := context.WithTimeout(r.lookups, nameLookupTimeout)
		defer cancel()
		hosts, err := r.m.resolver.LookupHost(ctx, name)
		if err != nil {
			return
		}
		var as []netip.Addr
		for _, h := range hosts {
			if a, err := netip.ParseAddr(h); err == nil {
				as = append(as, a)
			}
		}
		n.set(as)
	})
	return n
}

// Address families, as resolved indexes them.
const (
	family4 = iota
	family6
)

// set keeps the addresses of addrs, each in its family.
func (n *resolved) set(addrs []netip.Addr) {
	for _, a := range addrs {
		f := family6
		if a = a.Unmap(); a.Is4() {
			f = family4
		}
		n.addrs[f] = append(n.addrs[f], a)
	}
}

// scanned returns the address of the family f a scanner given the name
// n resolved to scans, invalid when it resolved to none: the first of the
// family in the order glibc's getaddrinfo returns them (byScanOrder, the
// routes looked up for each), ordered once. A single address has no route
// looked up here.
func (r *RouteSources) scanned(n *resolved, f int) netip.Addr {
	n.order[f].Do(func() {
		switch as := n.addrs[f]; len(as) {
		case 0:
		case 1:
			n.first[f] = as[0]
		default:
			n.first[f] = byScanOrder(as, r.source)[0]
		}
	})
	return n.first[f]
}

// source returns the source address on the route to dst (route),
// invalid when there is none.
func (r *RouteSources) source(dst netip.Addr) netip.Addr {
	a, _ := netip.ParseAddr(r.route(dst))
	return a
}

// Resolved records what host names resolve to, as Manager.LookupHosts
// returned it for the inject's targets before the run (an intake that
// judged them, openaev's assets): For and Prefetch take those names'
// addresses from here, without resolving them again, and a name given no
// address gets the host-wide addresses, as one whose lookup failed. Call
// it before For and Prefetch; a name For already resolved keeps what it
// found. A nil RouteSources records nothing.
func (r *RouteSources) Resolved(names map[string][]netip.Addr) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, addrs := range names {
		if r.names[name] != nil {
			continue
		}
		n := &resolved{}
		n.once.Do(func() { n.set(addrs) })
		r.names[name] = n
	}
}

// Prefetch looks up, in a goroutine of its own, the host names and routes
// For will look up for the n configurations config returns, into the
// caches For reads, until it has them all; stop returns once it has
// ended. A run calls it as its executor starts (the lookups then overlap
// the scan, instead of following it, and a host name is resolved when the
// injector resolves it), and stop when the executor returns. Host names
// are resolved up to maxNameLookups at once (a name server may take
// seconds to answer, or not answer at all), before stop and after it, and
// every name lookup ends within nameLookupTimeout of stop: a name not
// resolved by then, whether its lookup was under way or not yet started,
// gets the host-wide addresses, as one whose lookup failed, and For
// resolves no name afterwards. So a run that ends at once (a tool not
// installed, a deadline passed, a cancelled run) waits at most
// nameLookupTimeout for its names, however many. Each name and address
// is still looked up once. A nil RouteSources prefetches nothing.
func (r *RouteSources) Prefetch(n int, config func(i int) Config) (stop func()) {
	if r == nil || r.m.resolver.Route == nil || n == 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		defer wg.Wait()
		r.m.ResolveSourceIP() // whether CONTAINER_IP pins the IPv4 source (dests)
		lookups := make(chan struct{}, maxNameLookups)
		for i := range n {
			nc, ok := networkOf(config(i))
			if !ok {
				continue
			}
			if nc = nc.canonical(); nc.TargetHostname == "" || r.m.resolver.LookupHost == nil {
				for _, dst := range r.dests(nc) {
					r.route(dst)
				}
				continue
			}
			// A name's lookup may wait on a name server: several at once.
			// Once name lookups are over, the ones left return at once.
			lookups <- struct{}{}
			wg.Go(func() {
				defer func() { <-lookups }()
				for _, dst := range r.dests(nc) {
					r.route(dst)
				}
			})
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			t := time.AfterFunc(nameLookupTimeout, r.endNames)
			<-done
			t.Stop()
			r.endNames() // For looks no name up after the run
		})
		<-done
	}
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
