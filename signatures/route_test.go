package signatures_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

// hostWide is a resolver whose host-wide addresses are documentation
// addresses no loopback connection comes from, with route lookups done
// by route (nil: none).
func hostWide(containerIP string, route func(netip.Addr) (netip.Addr, error)) signatures.Resolver {
	return signatures.Resolver{
		Getenv: func(k string) string {
			if k == signatures.ContainerIPEnv {
				return containerIP
			}
			return ""
		},
		InterfaceAddrs: func() ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("192.0.2.77"), netip.MustParseAddr("2001:db8::77")}, nil
		},
		Route: route,
	}
}

// sourceOf returns the source fields of the payload values vs.
func sourceOf(vs []signatures.Value) (v4, v6 string) {
	for _, v := range vs {
		switch v.SignatureType {
		case signatures.FieldSourceIPv4:
			v4, _ = v.SignatureValue.(string)
		case signatures.FieldSourceIPv6:
			v6, _ = v.SignatureValue.(string)
		}
	}
	return v4, v6
}

// batchSources builds the pre- and post-execution batches of cfgs with
// routes, and returns each target's source addresses as every reader of
// the batches gets them (signatures, streamed and whole payloads); the
// test fails when two readers disagree.
func batchSources(t *testing.T, m *signatures.Manager, perRoute bool, cfgs ...signatures.Config) []signatures.SourceIPs {
	t.Helper()
	pre := batchOf(t, m, perRoute, cfgs)
	post, err := m.Post(pre, signatures.ToolOutput{Status: signatures.StatusSuccess})
	if err != nil {
		t.Fatal(err)
	}
	types := []signatures.ExpectationType{signatures.Detection, signatures.Prevention}
	at := func(int) signatures.Attribution { return signatures.Attribution{Asset: "a"} }
	whole, err := post.Payload(at, types, nil)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := post.PayloadTargets(at, types, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]signatures.SourceIPs, len(cfgs))
	for i, pt := range seq {
		s := post.Signature(i)
		out[i] = signatures.SourceIPs{IPv4: s.SourceIPv4, IPv6: s.SourceIPv6}
		if p := pre.Signature(i); p.SourceIPv4 != s.SourceIPv4 || p.SourceIPv6 != s.SourceIPv6 {
			t.Errorf("target %d: pre-execution sources %q %q, post-execution %q %q", i, p.SourceIPv4, p.SourceIPv6, s.SourceIPv4, s.SourceIPv6)
		}
		for j, g := range append(pt.SignatureValues, whole.Targets[i].SignatureValues...) {
			if v4, v6 := sourceOf(g.Values); v4 != s.SourceIPv4 || v6 != s.SourceIPv6 {
				t.Errorf("target %d, group %d: payload sources %q %q, signature %q %q", i, j, v4, v6, s.SourceIPv4, s.SourceIPv6)
			}
		}
	}
	return out
}

// A network target given by its address carries, for that family, the
// source address its connections really come from (the route's), not the
// host-wide one; the other family keeps the host-wide address.
func TestRouteSourcesAreWhatTheTargetSees(t *testing.T) {
	cases := []struct {
		name string
		cfg  signatures.NetworkConfig
		addr string
	}{
		{"IPv4 loopback", signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, "127.0.0.1"},
		{"IPv4 loopback not the interface's", signatures.NetworkConfig{TargetIPv4: "127.0.0.5"}, "127.0.0.5"},
		{"IPv6 loopback", signatures.NetworkConfig{TargetIPv6: "::1"}, "::1"},
		// An IPv4-mapped address is its IPv4 address: IPv4 traffic, whose
		// source is an IPv4 address, never put in source_ipv6.
		{"IPv4-mapped loopback", signatures.NetworkConfig{TargetIPv6: "::ffff:127.0.0.1"}, "127.0.0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seen := testkit.SeenFrom(t, tc.addr)
			m := signatures.NewManager(signatures.WithResolver(hostWide("", signatures.DefaultResolver().Route)))
			host := m.ResolveSourceIP()
			want := host
			if netip.MustParseAddr(tc.addr).Is4() {
				want.IPv4 = seen
			} else {
				want.IPv6 = seen
			}
			if got := batchSources(t, m, true, tc.cfg)[0]; got != want {
				t.Errorf("target %s: sources %+v, want %+v (the target sees %s; host-wide %+v)", tc.addr, got, want, seen, host)
			}
		})
	}
}

// The host-wide addresses stay where no route is looked up or none is
// found, and CONTAINER_IP is every target's IPv4 address.
func TestRouteSourcesFallBack(t *testing.T) {
	routed := netip.MustParseAddr("198.51.100.9")
	stub := func(netip.Addr) (netip.Addr, error) { return routed, nil }
	noRoute := func(netip.Addr) (netip.Addr, error) { return netip.Addr{}, errors.New("network is unreachable") }
	host := signatures.SourceIPs{IPv4: "192.0.2.77", IPv6: "2001:db8::77"}
	cases := []struct {
		name      string
		container string
		route     func(netip.Addr) (netip.Addr, error)
		perRoute  bool
		cfg       signatures.Config
		want      signatures.SourceIPs
	}{
		{"routed", "", stub, true, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, signatures.SourceIPs{IPv4: "198.51.100.9", IPv6: host.IPv6}},
		{"not per route", "", stub, false, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, host},
		{"host name", "", stub, true, signatures.NetworkConfig{TargetHostname: "localhost"}, host},
		{"no route", "", noRoute, true, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, host},
		{"no route lookup", "", nil, true, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, host},
		{"CONTAINER_IP", "192.0.2.10", stub, true, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, signatures.SourceIPs{IPv4: "192.0.2.10", IPv6: host.IPv6}},
		{"cloud", "", stub, true, signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "eu-west-1"}, signatures.SourceIPs{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := signatures.NewManager(signatures.WithResolver(hostWide(tc.container, tc.route)))
			if got := batchSources(t, m, tc.perRoute, tc.cfg)[0]; got != tc.want {
				t.Errorf("sources %+v, want %+v", got, tc.want)
			}
		})
	}
}

// Each address's route is looked up once per RouteSources, however often
// and concurrently its signatures are built.
func TestRouteSourcesLookUpEachAddressOnce(t *testing.T) {
	var mu sync.Mutex
	calls := map[netip.Addr]int{}
	route := func(a netip.Addr) (netip.Addr, error) {
		mu.Lock()
		defer mu.Unlock()
		calls[a]++
		return a, nil
	}
	m := signatures.NewManager(signatures.WithResolver(hostWide("", route)))
	rs := m.RouteSources()
	cfgs := []signatures.Config{signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, signatures.NetworkConfig{TargetIPv4: "127.0.0.2"},
		signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, signatures.NetworkConfig{TargetIPv6: "::1"}}
	b, err := m.Batch(len(cfgs), func(i int) signatures.Config { return cfgs[i] }, signatures.PerRoute(rs))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range b.All() {
			}
		})
	}
	wg.Wait()
	for _, c := range cfgs {
		rs.For(c)
	}
	if len(calls) != 3 {
		t.Errorf("addresses looked up: %v, want 127.0.0.1, 127.0.0.2 and ::1", calls)
	}
	for a, n := range calls {
		if n != 1 {
			t.Errorf("route to %s looked up %d times, want once", a, n)
		}
	}
}

// Prefetch looks up, in the background, the routes For will look up (the
// addresses For routes, a host name's after resolving it, each once;
// pinned IPv4 ones and cloud targets not at all), so that For, after it,
// looks up nothing and returns what it returns without it. A nil RouteSources prefetches
// nothing.
func TestRouteSourcesPrefetch(t *testing.T) {
	cfgs := []signatures.Config{signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, &signatures.NetworkConfig{TargetIPv4: "127.0.0.2"},
		signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, signatures.NetworkConfig{TargetIPv6: "::1"},
		signatures.NetworkConfig{TargetHostname: "db.example"}, signatures.CloudConfig{CloudProvider: "aws"}}
	cases := []struct {
		name      string
		container string
		want      int // addresses Prefetch looks up
	}{
		{"routed", "", 4},
		{"CONTAINER_IP pins IPv4", "172.17.0.2", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := map[netip.Addr]int{}
			looked := make(chan struct{}, 16)
			route := func(a netip.Addr) (netip.Addr, error) {
				mu.Lock()
				defer mu.Unlock()
				calls[a]++
				looked <- struct{}{}
				return a, nil
			}
			var resolved int
			lookup := func(context.Context, string) ([]string, error) {
				mu.Lock()
				defer mu.Unlock()
				resolved++
				return []string{"127.0.0.9"}, nil
			}
			r := hostWide(tc.container, route)
			r.LookupHost = lookup
			m := signatures.NewManager(signatures.WithResolver(r))
			rs := m.RouteSources()
			stop := rs.Prefetch(len(cfgs), func(i int) signatures.Config { return cfgs[i] })
			for range tc.want {
				<-looked // lookups in the background, while the caller goes on
			}
			stop()
			mu.Lock()
			prefetched := len(calls)
			mu.Unlock()
			if prefetched != tc.want {
				t.Errorf("Prefetch looked up %v, want %d addresses", calls, tc.want)
			}
			ra := hostWide(tc.container, func(a netip.Addr) (netip.Addr, error) { return a, nil })
			ra.LookupHost = lookup
			alone := signatures.NewManager(signatures.WithResolver(ra)).RouteSources()
			for i, c := range cfgs {
				if got, want := rs.For(c), alone.For(c); got != want {
					t.Errorf("config %d: For after Prefetch %+v, want %+v", i, got, want)
				}
			}
			for a, n := range calls {
				if n != 1 {
					t.Errorf("route to %s looked up %d times, want once", a, n)
				}
			}
			if len(calls) != tc.want {
				t.Errorf("For looked up %v after Prefetch, want nothing more", calls)
			}
			if resolved != 2 { // once by Prefetch, once by alone
				t.Errorf("db.example resolved %d times, want once by each RouteSources", resolved)
			}
		})
	}
	var nilRS *signatures.RouteSources
	nilRS.Prefetch(len(cfgs), func(i int) signatures.Config { return cfgs[i] })()
}

// localhost, resolved and routed for real, carries the addresses a
// connection to it comes from, as a scanner's probes to it do.
func TestRouteSourcesOfLocalhost(t *testing.T) {
	as, err := net.DefaultResolver.LookupHost(context.Background(), "localhost")
	if err != nil {
		t.Skipf("localhost does not resolve: %v", err)
	}
	r := hostWide("", signatures.DefaultResolver().Route)
	r.LookupHost = net.DefaultResolver.LookupHost
	m := signatures.NewManager(signatures.WithResolver(r))
	want := m.ResolveSourceIP()
	var v4, v6 bool
	for _, s := range as {
		switch a := netip.MustParseAddr(s).Unmap(); {
		case a.Is4() && !v4:
			want.IPv4, v4 = testkit.SeenFrom(t, a.String()), true
		case a.Is6() && !v6:
			want.IPv6, v6 = testkit.SeenFrom(t, a.String()), true
		}
	}
	if got := batchSources(t, m, true, signatures.NetworkConfig{TargetHostname: "localhost"})[0]; got != want {
		t.Errorf("localhost (%v): sources %+v, want %+v", as, got, want)
	}
}
