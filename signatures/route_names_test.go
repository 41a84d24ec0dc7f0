package signatures_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// A target given by a host name carries, for each family the name
// resolves to, the source its connections to the name's first address of
// that family come from (the address a scanner scans), not the host-wide
// one; a name that does not resolve keeps the host-wide addresses, and
// CONTAINER_IP still pins the IPv4 one.
func TestRouteSourcesResolveHostNames(t *testing.T) {
	host := signatures.SourceIPs{IPv4: "192.0.2.77", IPv6: "2001:db8::77"}
	// The names a stub resolver knows, and the routes of a machine with
	// two networks (as a stub: their addresses are not this machine's).
	names := map[string][]string{
		"tgt":     {"10.68.0.2", "10.68.0.9"},
		"other":   {"10.70.0.2"},
		"dual":    {"fd68::2", "10.68.0.2"},
		"v6only":  {"fd68::2"},
		"mapped":  {"::ffff:10.70.0.2"},
		"garbage": {"not-an-address"},
		// nmap scans the address glibc's getaddrinfo puts first:
		// loopback before a global one (RFC 6724 rule 8).
		"several": {"10.68.0.2", "127.0.0.5", "fd68::2", "::1"},
	}
	lookup := func(_ context.Context, h string) ([]string, error) {
		if as, ok := names[h]; ok {
			return as, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: h, IsNotFound: true}
	}
	routes := map[string]string{"10.68.0.2": "10.68.0.1", "10.68.0.9": "10.68.0.8", "10.70.0.2": "10.70.0.1", "fd68::2": "fd68::1",
		"127.0.0.5": "127.0.0.1", "::1": "::1"}
	route := func(a netip.Addr) (netip.Addr, error) {
		if s, ok := routes[a.String()]; ok {
			return netip.MustParseAddr(s), nil
		}
		return netip.Addr{}, errors.New("network is unreachable")
	}
	cases := []struct {
		name      string
		container string
		target    string
		want      signatures.SourceIPs
	}{
		{"first address's route", "", "tgt", signatures.SourceIPs{IPv4: "10.68.0.1", IPv6: host.IPv6}},
		{"another network's", "", "OTHER", signatures.SourceIPs{IPv4: "10.70.0.1", IPv6: host.IPv6}},
		{"both families", "", "dual", signatures.SourceIPs{IPv4: "10.68.0.1", IPv6: "fd68::1"}},
		{"the address nmap scans", "", "several", signatures.SourceIPs{IPv4: "127.0.0.1", IPv6: "::1"}},
		{"IPv6 only", "", "v6only", signatures.SourceIPs{IPv4: host.IPv4, IPv6: "fd68::1"}},
		{"IPv4-mapped", "", "mapped", signatures.SourceIPs{IPv4: "10.70.0.1", IPv6: host.IPv6}},
		{"not resolved", "", "nowhere", host},
		{"no address", "", "garbage", host},
		{"CONTAINER_IP pins IPv4", "192.0.2.10", "dual", signatures.SourceIPs{IPv4: "192.0.2.10", IPv6: "fd68::1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := hostWide(tc.container, route)
			r.LookupHost = lookup
			m := signatures.NewManager(signatures.WithResolver(r))
			if got := batchSources(t, m, true, signatures.NetworkConfig{TargetHostname: tc.target})[0]; got != tc.want {
				t.Errorf("host name %s: sources %+v, want %+v", tc.target, got, tc.want)
			}
		})
	}
}

// The names Manager.LookupHosts resolved before the run, handed to
// RouteSources.Resolved, are not resolved again: they get the routes of
// what was found then, and one that did not resolve then the host-wide
// addresses; any other name is resolved as before.
func TestRouteSourcesTakeNamesResolvedBefore(t *testing.T) {
	host := signatures.SourceIPs{IPv4: "192.0.2.77", IPv6: "2001:db8::77"}
	var mu sync.Mutex
	asked := map[string]int{}
	r := hostWide("", func(a netip.Addr) (netip.Addr, error) {
		return netip.MustParseAddr(map[bool]string{true: "10.68.0.1", false: "fd68::1"}[a.Is4()]), nil
	})
	r.LookupHost = func(_ context.Context, h string) ([]string, error) {
		mu.Lock()
		defer mu.Unlock()
		asked[h]++
		if h == "gone.lan" {
			return nil, &net.DNSError{Err: "no such host", Name: h, IsNotFound: true}
		}
		return []string{"10.68.0.2"}, nil
	}
	m := signatures.NewManager(signatures.WithResolver(r))
	before := m.LookupHosts(context.Background(), []string{"web.lan", "gone.lan"})
	rs := m.RouteSources()
	rs.Resolved(before)
	cfgs := []signatures.Config{signatures.NetworkConfig{TargetHostname: "web.lan"}, signatures.NetworkConfig{TargetHostname: "gone.lan"},
		signatures.NetworkConfig{TargetHostname: "new.lan"}}
	rs.Prefetch(len(cfgs), func(i int) signatures.Config { return cfgs[i] })()
	want := []signatures.SourceIPs{{IPv4: "10.68.0.1", IPv6: host.IPv6}, host, {IPv4: "10.68.0.1", IPv6: host.IPv6}}
	for i, c := range cfgs {
		if got := rs.For(c); got != want[i] {
			t.Errorf("%v: sources %+v, want %+v", c, got, want[i])
		}
	}
	if want := map[string]int{"web.lan": 1, "gone.lan": 1, "new.lan": 1}; fmt.Sprint(asked) != fmt.Sprint(want) {
		t.Errorf("lookups %v, want %v: each name once", asked, want)
	}
	var nilRS *signatures.RouteSources
	nilRS.Resolved(before) // records nothing, does not panic
}

// Prefetch resolves host names several at once: names whose name server
// is slow to answer are waited for together, not one after the other.
func TestRouteSourcesPrefetchResolvesNamesTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		inFlight := 0
		release := make(chan struct{})
		lookup := func(ctx context.Context, h string) ([]string, error) {
			mu.Lock()
			inFlight++
			mu.Unlock()
			select {
			case <-release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return []string{"127.0.0.9"}, nil
		}
		r := hostWide("", func(a netip.Addr) (netip.Addr, error) { return a, nil })
		r.LookupHost = lookup
		rs := signatures.NewManager(signatures.WithResolver(r)).RouteSources()
		cfgs := []signatures.Config{signatures.NetworkConfig{TargetHostname: "a.example"},
			signatures.NetworkConfig{TargetHostname: "b.example"}, signatures.NetworkConfig{TargetHostname: "c.example"}}
		stop := rs.Prefetch(len(cfgs), func(i int) signatures.Config { return cfgs[i] })
		synctest.Wait() // every lookup Prefetch starts is blocked in it
		mu.Lock()
		n := inFlight
		mu.Unlock()
		close(release)
		stop()
		if n != len(cfgs) {
			t.Errorf("%d of %d name lookups under way at once, want all", n, len(cfgs))
		}
		for i, c := range cfgs {
			if got := rs.For(c); got.IPv4 != "127.0.0.9" {
				t.Errorf("config %d: sources %+v, want IPv4 127.0.0.9", i, got)
			}
		}
	})
}

// Host names not resolved when the run's executor returns (a name server
// that never answers) hold the report for one name-lookup timeout (5 s)
// at most, however many they are: the ones left are resolved several at
// once, every lookup ends 5 s after stop, a name not resolved by then
// keeps the host-wide addresses, and For looks none up afterwards.
func TestRouteSourcesNameLookupsEndSoonAfterStop(t *testing.T) {
	const names = 40
	cases := []struct {
		name string
		run  bool // the executor runs long enough for every lookup to time out on its own
	}{
		{"executor returns at once", false},
		{"executor ran past every lookup", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				started := 0
				lookup := func(ctx context.Context, h string) ([]string, error) {
					mu.Lock()
					started++
					mu.Unlock()
					<-ctx.Done() // a name server that never answers
					return nil, ctx.Err()
				}
				r := hostWide("", func(a netip.Addr) (netip.Addr, error) { return a, nil })
				r.LookupHost = lookup
				rs := signatures.NewManager(signatures.WithResolver(r)).RouteSources()
				cfgs := make([]signatures.Config, names)
				for i := range cfgs {
					cfgs[i] = signatures.NetworkConfig{TargetHostname: fmt.Sprintf("h%02d.example", i)}
				}
				stop := rs.Prefetch(len(cfgs), func(i int) signatures.Config { return cfgs[i] })
				if tc.run {
					time.Sleep(time.Hour) // fake time: the executor's run
				}
				t0 := time.Now()
				stop()
				host := signatures.SourceIPs{IPv4: "192.0.2.77", IPv6: "2001:db8::77"}
				for i, c := range cfgs {
					if got := rs.For(c); got != host {
						t.Errorf("config %d: sources %+v, want the host-wide %+v", i, got, host)
					}
				}
				if d := time.Since(t0); d > 5*time.Second {
					t.Errorf("sources of %d unresolved names found %v after stop, want within 5s", names, d)
				}
				mu.Lock()
				defer mu.Unlock()
				if tc.run && started != names {
					t.Errorf("%d of %d names looked up during the run, want all", started, names)
				}
			})
		})
	}
}
