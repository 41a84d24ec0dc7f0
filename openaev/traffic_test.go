package openaev_test

import (
	"context"
	"net"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// The collectors match a signature's target addresses on network events
// (QRadar, LogRhythm, NetWitness: the destination address) and its host
// name on the host an alert was raised on (Cortex XDR, SentinelOne,
// XSOAR): a target of an injector whose traffic goes to its targets (nmap,
// a framework.DirectSender) carries its target address, and one of an
// injector whose traffic does not (noop sends nothing; query asks Shodan
// about the target) carries none, so that no event naming the asset
// validates traffic that never went there (docs/wire-format.md,
// "Signatures").
func TestTargetAddressesOnlyForTrafficToTheTargets(t *testing.T) {
	cases := []struct {
		name     string
		injector string
		target   string
		want     map[string]any // the target values of the DETECTION group
	}{
		{"nmap, IPv4 target", "nmap", "127.0.0.5", map[string]any{"target_ipv4_address": "127.0.0.5"}},
		{"nmap, IPv6 target", "nmap", "::1", map[string]any{"target_ipv6_address": "::1"}},
		{"noop, IPv4 target", "noop", "127.0.0.5", map[string]any{}},
		{"noop, IPv6 target", "noop", "::1", map[string]any{}},
		{"noop, host name", "noop", "web.example.com", map[string]any{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, all := detectionOf(t, newEnv(t), "inj-tgt", tc.injector, tc.target,
				"target_ipv4_address", "target_ipv6_address", "target_hostname_address")
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("target values %v, want %v (values %v)", got, tc.want, all)
			}
			if all["start_date"] == nil {
				t.Errorf("no start_date: %v", all)
			}
		})
	}
}

// The collectors OR a signature's source addresses: a target of an
// injector whose traffic goes to its targets (nmap) carries the source of
// the family its traffic used alone, routed on loopback (an IPv6 target no
// source_ipv4_address, an IPv4 target or a host name, scanned over IPv4,
// no source_ipv6_address); an injector that calls an API or sends nothing
// (noop) keeps the host-wide addresses of both families.
func TestSignaturesCarryTheSourceOfTheTrafficFamily(t *testing.T) {
	cases := []struct {
		name     string
		injector string
		target   string
		want     map[string]any // the source values of the DETECTION group
	}{
		{"nmap, IPv6 target", "nmap", "::1", map[string]any{"source_ipv6_address": "::1"}},
		{"nmap, IPv4 target", "nmap", "127.0.0.5", map[string]any{"source_ipv4_address": "127.0.0.1"}},
		{"nmap, host name of both families", "nmap", "dual.test", map[string]any{"source_ipv4_address": "127.0.0.1"}},
		{"noop, IPv6 target", "noop", "::1", map[string]any{"source_ipv4_address": "192.0.2.10", "source_ipv6_address": "2001:db8::10"}},
		{"noop, IPv4 target", "noop", "127.0.0.5", map[string]any{"source_ipv4_address": "192.0.2.10", "source_ipv6_address": "2001:db8::10"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := signatures.Resolver{
				InterfaceAddrs: func() ([]netip.Addr, error) {
					return []netip.Addr{netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::10")}, nil
				},
				LookupHost: func(_ context.Context, h string) ([]string, error) {
					if h == "dual.test" {
						return []string{"::1", "127.0.0.1"}, nil
					}
					return nil, &net.DNSError{Err: "no such host", Name: h, IsNotFound: true}
				},
				Route: signatures.DefaultResolver().Route, // a UDP connect on loopback: no packet sent
			}
			e.build(testManifests(), runtime.WithSignatures(signatures.NewManager(
				signatures.WithClock(func() time.Time { return testClock }), signatures.WithResolver(r))))
			got, all := detectionOf(t, e, "inj-src", tc.injector, tc.target, "source_ipv4_address", "source_ipv6_address")
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("sources %v, want %v (values %v)", got, tc.want, all)
			}
		})
	}
}

// detectionOf runs an inject of injector on target, the asset a1's, and
// returns the values of keys the platform got in a1's DETECTION group, and
// the whole group.
func detectionOf(t *testing.T, e *env, injectID, injector, target string, keys ...string) (got, all map[string]any) {
	t.Helper()
	e.platform.AddInject(injectID, openaev.ContractID(injector))
	req := runtime.Request{InjectID: injectID, Injector: injector, ExpectationTypes: []string{"DETECTION"},
		Targets: []runtime.TargetSpec{{Value: target, Asset: "a1"}}}
	if err := e.proc.RunRequest(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	calls := e.platform.Calls(injectID)
	all = signatureValues(t, expectationSignatures(t, calls[len(calls)-1]))["a1"]["DETECTION"]
	got = map[string]any{}
	for _, k := range keys {
		if v, ok := all[k]; ok {
			got[k] = v
		}
	}
	return got, all
}
