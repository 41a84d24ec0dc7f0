package signatures_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

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
