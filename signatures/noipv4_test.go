package signatures_test

import (
	"errors"
	"net/netip"
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
