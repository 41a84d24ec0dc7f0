package signatures_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/signatures"
)

// When no IPv4 source address is found, the log names the family and
// suggests CONTAINER_IP only when a target reached over IPv4 carries
// source_ipv4=unknown: an IPv6-only inject gets one INFO line without the
// hint (a WARN would ask for an address no target needs), an IPv4 target
// given its route's address nothing.
func TestNoIPv4SourceLogNamesTheFamily(t *testing.T) {
	v6, v4 := signatures.NetworkConfig{TargetIPv6: "::1"}, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}
	name := signatures.NetworkConfig{TargetHostname: "nowhere.invalid"}
	mapped := signatures.NetworkConfig{TargetIPv6: "::ffff:127.0.0.1"}
	routes := func(a netip.Addr) (netip.Addr, error) { return a, nil }
	noRoute := func(netip.Addr) (netip.Addr, error) { return netip.Addr{}, errors.New("network is unreachable") }
	cases := []struct {
		name     string
		perRoute bool
		route    func(netip.Addr) (netip.Addr, error)
		cfgs     []signatures.Config
		level    zapcore.Level // WARN: a WARN (with the hint) is logged; INFO: an INFO alone; -2: nothing
	}{
		{"IPv6 only, routed", true, routes, []signatures.Config{v6}, zapcore.InfoLevel},
		{"IPv6 only, host-wide", false, routes, []signatures.Config{v6}, zapcore.InfoLevel},
		{"IPv4 target routed", true, routes, []signatures.Config{v4, v6}, zapcore.InfoLevel},
		{"IPv4 target alone routed", true, routes, []signatures.Config{v4}, -2},
		{"IPv4 target, no route", true, noRoute, []signatures.Config{v6, v4}, zapcore.WarnLevel},
		{"IPv4 target, host-wide", false, routes, []signatures.Config{v6, v4}, zapcore.WarnLevel},
		{"IPv4-mapped target, host-wide", false, routes, []signatures.Config{mapped}, zapcore.WarnLevel},
		{"host name not resolved", true, routes, []signatures.Config{name}, zapcore.WarnLevel},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			r := signatures.Resolver{
				InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("2001:db8::77")}, nil },
				Route:          tc.route,
			}
			m := signatures.NewManager(signatures.WithResolver(r), signatures.WithLogger(zap.New(core)))
			batchSources(t, m, tc.perRoute, tc.cfgs...)
			var got []observer.LoggedEntry
			for _, e := range logs.All() {
				if e.ContextMap()["family"] != nil || e.Level >= zapcore.WarnLevel {
					got = append(got, e)
				}
			}
			if tc.level == -2 {
				if len(got) != 0 {
					t.Errorf("logged %v, want nothing (no target carries source_ipv4=unknown)", got)
				}
				return
			}
			warned := false
			for _, e := range got {
				_, hinted := e.ContextMap()["hint"]
				if e.ContextMap()["family"] != "ipv4" || hinted != (e.Level == zapcore.WarnLevel) {
					t.Errorf("logged %s %q %v, want the family ipv4 named, the CONTAINER_IP hint at WARN only", e.Level, e.Message, e.ContextMap())
				}
				warned = warned || e.Level == zapcore.WarnLevel
			}
			if len(got) == 0 || warned != (tc.level == zapcore.WarnLevel) {
				t.Errorf("logged %v, want a line at %s", got, tc.level)
			}
		})
	}
}

// t87: with no IPv4 source found, a source looked up but carried by no
// signature logs nothing: a route asked for a size estimate (the openaev
// profile's, before the run), a host name found not reached (its
// signature has no source), an IPv6 target under TrafficOnly. A
// signature built with source_ipv4=unknown still says so.
func TestNoIPv4SourceLoggedOnlyWhenCarried(t *testing.T) {
	name := signatures.NetworkConfig{TargetHostname: "nowhere.invalid"}
	v6 := signatures.NetworkConfig{TargetIPv6: "::1"}
	types := []signatures.ExpectationType{signatures.Detection}
	at := func(int) signatures.Attribution { return signatures.Attribution{Asset: "a"} }
	cases := []struct {
		name     string
		cfgs     []signatures.Config
		reached  bool // false: the first target is not reached
		estimate bool // only For is asked, as a size estimate does
		warned   bool
	}{
		{"a size estimate", []signatures.Config{name, v6}, true, true, false},
		{"host name not reached", []signatures.Config{name, v6}, false, false, false},
		{"host name reached, source unknown", []signatures.Config{name, v6}, true, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			r := signatures.Resolver{
				InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("::1")}, nil },
				Route:          func(a netip.Addr) (netip.Addr, error) { return a, nil },
			}
			m := signatures.NewManager(signatures.WithResolver(r), signatures.WithLogger(zap.New(core)))
			routes := m.RouteSources()
			routes.TrafficOnly()
			if tc.estimate {
				for _, c := range tc.cfgs {
					routes.For(c)
				}
			} else {
				pre, err := m.Batch(len(tc.cfgs), func(i int) signatures.Config { return tc.cfgs[i] }, signatures.PerRoute(routes))
				if err != nil {
					t.Fatal(err)
				}
				notReached := func(i int) string {
					if i == 0 && !tc.reached {
						return "not scanned: the name does not resolve"
					}
					return ""
				}
				post, err := m.Post(pre, signatures.ToolOutput{Status: signatures.StatusPartial}, signatures.NotReached(notReached))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := post.Payload(at, types, nil); err != nil {
					t.Fatal(err)
				}
			}
			warned := logs.FilterLevelExact(zapcore.WarnLevel).Len() > 0
			if warned != tc.warned || logs.FilterField(zap.String("family", "ipv4")).FilterLevelExact(zapcore.InfoLevel).Len() > 0 {
				t.Errorf("logged %v; want a WARN: %v, no INFO about IPv6 targets", logs.All(), tc.warned)
			}
		})
	}
}

// After TrafficOnly, each target carries the source of the family its
// traffic uses alone: an IPv6 address no source_ipv4, an IPv4 address
// (or one mapped in IPv6) and a host name no source_ipv6, whatever the
// host-wide addresses and CONTAINER_IP; a name's IPv6 route is not even
// looked up. Every reader of the batches gets the same.
func TestRouteSourcesTrafficOnly(t *testing.T) {
	host := signatures.SourceIPs{IPv4: "192.0.2.77", IPv6: "2001:db8::77"}
	names := map[string][]string{"dual": {"fd68::2", "10.68.0.2"}, "v6only": {"fd68::2"}}
	lookup := func(_ context.Context, h string) ([]string, error) {
		if as, ok := names[h]; ok {
			return as, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: h, IsNotFound: true}
	}
	routes := map[string]string{"10.68.0.2": "10.68.0.1", "10.70.0.2": "10.70.0.1", "fd68::2": "fd68::1"}
	cases := []struct {
		name      string
		container string
		cfg       signatures.NetworkConfig
		want      signatures.SourceIPs
	}{
		{"IPv4 address", "", signatures.NetworkConfig{TargetIPv4: "10.68.0.2"}, signatures.SourceIPs{IPv4: "10.68.0.1"}},
		{"IPv4 address, no route", "", signatures.NetworkConfig{TargetIPv4: "10.99.0.2"}, signatures.SourceIPs{IPv4: host.IPv4}},
		{"IPv6 address", "", signatures.NetworkConfig{TargetIPv6: "fd68::2"}, signatures.SourceIPs{IPv6: "fd68::1"}},
		{"IPv6 address, no route", "", signatures.NetworkConfig{TargetIPv6: "fd99::2"}, signatures.SourceIPs{IPv6: host.IPv6}},
		{"IPv4-mapped address", "", signatures.NetworkConfig{TargetIPv6: "::ffff:10.70.0.2"}, signatures.SourceIPs{IPv4: "10.70.0.1"}},
		{"host name of both families", "", signatures.NetworkConfig{TargetHostname: "dual"}, signatures.SourceIPs{IPv4: "10.68.0.1"}},
		{"host name of IPv6 only", "", signatures.NetworkConfig{TargetHostname: "v6only"}, signatures.SourceIPs{IPv4: host.IPv4}},
		{"host name not resolved", "", signatures.NetworkConfig{TargetHostname: "nowhere"}, signatures.SourceIPs{IPv4: host.IPv4}},
		{"CONTAINER_IP, IPv4 address", "192.0.2.10", signatures.NetworkConfig{TargetIPv4: "10.68.0.2"}, signatures.SourceIPs{IPv4: "192.0.2.10"}},
		{"CONTAINER_IP, IPv6 address", "192.0.2.10", signatures.NetworkConfig{TargetIPv6: "fd68::2"}, signatures.SourceIPs{IPv6: "fd68::1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var routed []netip.Addr
			r := hostWide(tc.container, func(a netip.Addr) (netip.Addr, error) {
				mu.Lock()
				routed = append(routed, a)
				mu.Unlock()
				if s, ok := routes[a.String()]; ok {
					return netip.MustParseAddr(s), nil
				}
				return netip.Addr{}, errors.New("network is unreachable")
			})
			r.LookupHost = lookup
			m := signatures.NewManager(signatures.WithResolver(r))
			rs := m.RouteSources()
			rs.TrafficOnly()
			rs.Prefetch(1, func(int) signatures.Config { return tc.cfg })()
			got := trafficSources(t, m, rs, tc.cfg)
			if got != tc.want {
				t.Errorf("sources %+v, want %+v", got, tc.want)
			}
			if tc.cfg.TargetHostname != "" {
				for _, a := range routed {
					if a.Is6() {
						t.Errorf("host name %s: the route to its IPv6 address %s was looked up", tc.cfg.TargetHostname, a)
					}
				}
			}
		})
	}
}

// trafficSources returns the sources of c's signature per rs, as For,
// the post-execution batch and its payload give them; the test fails
// when they disagree.
func trafficSources(t *testing.T, m *signatures.Manager, rs *signatures.RouteSources, c signatures.Config) signatures.SourceIPs {
	t.Helper()
	want := rs.For(c)
	pre, err := m.Batch(1, func(int) signatures.Config { return c }, signatures.PerRoute(rs))
	if err != nil {
		t.Fatal(err)
	}
	post, err := m.Post(pre, signatures.ToolOutput{Status: signatures.StatusSuccess})
	if err != nil {
		t.Fatal(err)
	}
	types := []signatures.ExpectationType{signatures.Detection, signatures.Prevention}
	p, err := post.Payload(func(int) signatures.Attribution { return signatures.Attribution{Asset: "a"} }, types, nil)
	if err != nil {
		t.Fatal(err)
	}
	for j, g := range p.Targets[0].SignatureValues {
		if v4, v6 := sourceOf(g.Values); v4 != want.IPv4 || v6 != want.IPv6 {
			t.Errorf("group %d: payload sources %q %q, For %+v", j, v4, v6, want)
		}
	}
	return want
}
