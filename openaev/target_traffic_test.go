package openaev_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
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
			e := newEnv(t)
			e.platform.AddInject("inj-tgt", openaev.ContractID(tc.injector))
			req := runtime.Request{InjectID: "inj-tgt", Injector: tc.injector, ExpectationTypes: []string{"DETECTION"},
				Targets: []runtime.TargetSpec{{Value: tc.target, Asset: "a1"}}}
			if err := e.proc.RunRequest(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			calls := e.platform.Calls("inj-tgt")
			vals := signatureValues(t, expectationSignatures(t, calls[len(calls)-1]))
			got := map[string]any{}
			for _, k := range []string{"target_ipv4_address", "target_ipv6_address", "target_hostname_address"} {
				if v, ok := vals["a1"]["DETECTION"][k]; ok {
					got[k] = v
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("target values %v, want %v (values %v)", got, tc.want, vals["a1"]["DETECTION"])
			}
			if vals["a1"]["DETECTION"]["start_date"] == nil {
				t.Errorf("no start_date: %v", vals["a1"]["DETECTION"])
			}
		})
	}
}
