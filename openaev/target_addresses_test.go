package openaev_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// A host name target's signatures carry, beside target_hostname_address,
// the address the scan resolved the name to and sent to
// (framework.ToolOutput.TargetAddresses) as target_ipv4_address: the
// collectors that match traffic on its destination (Splunk ES, Elastic,
// QRadar, LogRhythm, NetWitness) read no host name. The platform stores
// both on the asset's expectations (the stand-in of the current line,
// which stores an injector's signatures: 2.4.0 keeps its own); a target given as an address keeps
// its own, whatever the executor says; a name the executor gives no
// address for has its name alone.
func TestHostNameTargetCarriesTheAddressScanned(t *testing.T) {
	tests := []struct {
		name     string
		selector string // target_property_selector
		addrs    map[string][]netip.Addr
		want     []openaevtest.Signature // of DETECTION, type and value
		notWant  []string                // types absent
	}{
		{"host name, address scanned", "hostname", map[string][]netip.Addr{"web.lan": {netip.MustParseAddr("192.0.2.20")}},
			[]openaevtest.Signature{{Type: "target_hostname_address", Value: "web.lan"}, {Type: "target_ipv4_address", Value: "192.0.2.20"}}, nil},
		{"host name, an IPv4-mapped address and an IPv6 one", "hostname",
			map[string][]netip.Addr{"web.lan": {netip.MustParseAddr("::ffff:192.0.2.20"), netip.MustParseAddr("2001:db8::20")}},
			[]openaevtest.Signature{{Type: "target_hostname_address", Value: "web.lan"}, {Type: "target_ipv4_address", Value: "192.0.2.20"},
				{Type: "target_ipv6_address", Value: "2001:db8::20"}}, nil},
		{"host name, none given", "hostname", nil,
			[]openaevtest.Signature{{Type: "target_hostname_address", Value: "web.lan"}}, []string{"target_ipv4_address"}},
		{"address target keeps its own", "seen_ip", map[string][]netip.Addr{"192.0.2.30": {netip.MustParseAddr("192.0.2.99")}},
			[]openaevtest.Signature{{Type: "target_ipv4_address", Value: "192.0.2.30"}}, []string{"target_hostname_address"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(openaevtest.Current)})
			e.nmap.addrs = tt.addrs
			lookup := func(context.Context, string) ([]string, error) { return []string{"192.0.2.20"}, nil }
			e.build(testManifests(), runtime.WithSignatures(signatures.NewManager(
				signatures.WithClock(func() time.Time { return testClock }),
				signatures.WithResolver(signatures.Resolver{Getenv: func(string) string { return "192.0.2.10" }, LookupHost: lookup,
					Route: func(netip.Addr) (netip.Addr, error) { return netip.MustParseAddr("192.0.2.11"), nil }}))))
			e.register(t)
			const id = "inj-addrs"
			body := e.message(t, id, "nmap", map[string]any{"target_selector": "assets", "target_property_selector": tt.selector,
				"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}},
				[]map[string]any{asset("asset", "a-web", "web.lan", "192.0.2.30", nil)}, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatalf("Process: %v", err)
			}
			calls := e.platform.Calls(id)
			if last := calls[len(calls)-1]; last.Body["execution_status"] != "SUCCESS" || !last.Processed() {
				t.Fatalf("terminal callback %v (%s: %s), want SUCCESS processed", last.Body, last.Outcome, last.Reason)
			}
			stored := e.platform.ExpectationSignatures(id, openaevtest.Expectation{Asset: "a-web"})
			for _, et := range []string{"DETECTION", "PREVENTION"} {
				var got []openaevtest.Signature
				for _, s := range stored[et] {
					got = append(got, openaevtest.Signature{Type: s.Type, Value: s.Value})
				}
				for _, w := range tt.want {
					if !slices.Contains(got, w) {
						t.Errorf("%s: stored %v, want %s=%s among them", et, got, w.Type, w.Value)
					}
				}
				for _, typ := range tt.notWant {
					if i := slices.IndexFunc(got, func(s openaevtest.Signature) bool { return s.Type == typ }); i >= 0 {
						t.Errorf("%s: stored %s=%s, want none", et, typ, got[i].Value)
					}
				}
				if i := slices.IndexFunc(got, func(s openaevtest.Signature) bool { return s.Type == "source_ipv4_address" }); i < 0 {
					t.Errorf("%s: stored %v, want a source_ipv4_address", et, got)
				}
			}
		})
	}
}
