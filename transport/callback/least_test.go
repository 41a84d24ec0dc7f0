package callback

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/wirejson"
)

// TestLeastBound checks that the bound Received compares with the room of
// a body is never below the exact encoded size of a least payload target,
// whatever its category, its attribution, the escaping of its values and
// the source addresses of the machine.
func TestLeastBound(t *testing.T) {
	long := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + ".example"
	nasty := "<&>\"\\\x01\u2028\xff" + strings.Repeat("é", 20)
	ids := strings.NewReplacer("\x01", "", "\u2028", "", "\xff", "\ufffd").Replace(nasty)
	types := []string{"DETECTION", "PREVENTION", "VULNERABILITY"}
	tests := []struct {
		name string
		spec runtime.TargetSpec
	}{
		{"ipv4", runtime.TargetSpec{Value: "10.0.0.1"}},
		{"ipv6 with zone", runtime.TargetSpec{Value: "fe80::1%eth0"}},
		{"host name", runtime.TargetSpec{TargetHostname: long}},
		// Platform ids hold no control nor format character and are valid
		// UTF-8, but escapes.
		{"attributed", runtime.TargetSpec{Value: "10.0.0.1", Agent: ids, Asset: ids, AssetGroup: ids}},
		{"cloud", runtime.TargetSpec{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "s3"}},
		// A query holds no control nor format character nor line separator
		// (signatures.Garbling), is valid UTF-8, but escapes, and closes its
		// double quotes when narrowed to a target.
		{"external", runtime.TargetSpec{Query: ids + `"`, TargetHostname: long}},
	}
	reg := framework.NewRegistry()
	reg.Register("fake", func() framework.Executor { return &frameworktest.Executor{} })
	longest := signatures.NewManager(signatures.WithResolver(signatures.Resolver{Getenv: func(string) string { return longestIPv4 },
		InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr(longestIPv6)}, nil }}))
	for _, tt := range tests {
		for n := 1; n <= len(types); n++ {
			t.Run(tt.name, func(t *testing.T) {
				p, err := runtime.New(reg, runtime.WithSignatures(longest)).Validate(context.Background(), runtime.Request{InjectID: "inj-1", Injector: "fake",
					ExpectationTypes: types[:n], Targets: []runtime.TargetSpec{tt.spec}})
				if err != nil {
					t.Fatal(err)
				}
				for i, pt := range p.LeastPayloadTargets() {
					size, _, err := wirejson.TargetSize(pt, nil)
					if err != nil {
						t.Fatal(err)
					}
					if b := leastBound(&p.Targets[i]); b < size {
						t.Errorf("%d types: bound %d < exact size %d", n, b, size)
					}
				}
			})
		}
	}
}

// TestReceivedIsExactForTheLeastResult checks Received against the real
// encoder: for inject shapes drawn at random (category, targets,
// attribution, expectation types) and every size limit around their
// bodies', the printer's Received accepts the limit exactly when the
// bodies of a run that succeeds without extras (the least result of a
// run that ends) can be encoded under it, and those of a failed run too
// then. A limit accepted before the run never fails the delivery of such
// a result, whatever source addresses the machine has.
func TestReceivedIsExactForTheLeastResult(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 16))
	word := func(n int) string {
		b := make([]byte, 1+rng.IntN(n))
		for i := range b {
			b[i] = "abcdefghijklmnopqrstuvwxyz"[rng.IntN(26)]
		}
		return string(b)
	}
	spec := func(cat int) runtime.TargetSpec {
		var s runtime.TargetSpec
		switch cat {
		case 0:
			s.Value = []string{fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256)),
				fmt.Sprintf("2001:db8::%x", rng.IntN(1<<16)), word(40) + ".example"}[rng.IntN(3)]
		case 1:
			s = runtime.TargetSpec{CloudProvider: "aws", CloudAccountID: fmt.Sprint(rng.Int64N(1e12)), CloudRegion: word(12)}
		default:
			s = runtime.TargetSpec{Query: word(60) + " " + word(20)}
		}
		if rng.IntN(2) == 0 {
			s.Asset, s.Agent = word(36), word(8)
		}
		return s
	}
	sources := []signatures.Resolver{
		{Getenv: func(string) string { return "192.168.100.200" },
			InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("2001:db8:1:2:3:4:5:6")}, nil }},
		{}, // none found: "unknown"
	}
	types := []string{"DETECTION", "PREVENTION", "VULNERABILITY"}
	reg := framework.NewRegistry()
	for _, status := range []signatures.ExecutionStatus{framework.StatusSuccess, framework.StatusFailed} {
		ex := &frameworktest.Executor{Output: framework.ToolOutput{Status: status}}
		reg.Register(string(status), func() framework.Executor { return ex })
	}
	for shape := range 24 {
		cat, targets := rng.IntN(3), make([]runtime.TargetSpec, 1+rng.IntN(3))
		for i := range targets {
			targets[i] = spec(cat)
		}
		req := runtime.Request{InjectID: "inj-" + word(8), Injector: "success", ExpectationTypes: types[:1+rng.IntN(3)], Targets: targets}
		rt := runtime.New(reg, runtime.WithSignatures(signatures.NewManager(signatures.WithResolver(sources[shape%len(sources)]))))
		var reports []*runtime.Report // success, failed
		for _, injector := range []string{"success", "failed"} {
			req.Injector = injector
			rep, err := rt.Run(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			reports = append(reports, rep)
		}
		whole, err := transport.Encode(req.InjectID, reports[0].Phase, reports[0].PayloadTargets(), 0)
		if err != nil {
			t.Fatal(err)
		}
		for limit := 150; limit <= whole.Size(0)+2; limit++ {
			var sent [2]error
			for i, rep := range reports {
				_, sent[i] = transport.Encode(req.InjectID, rep.Phase, rep.PayloadTargets(), limit)
			}
			_, accepted := rt.Validate(context.Background(), req, Printer{MaxPayloadSize: limit})
			if (accepted == nil) != (sent[0] == nil) || accepted == nil && sent[1] != nil {
				t.Fatalf("targets %+v, types %v, limit %d: Received says %v, the bodies of a success %v, of a failure %v",
					targets, req.ExpectationTypes, limit, accepted, sent[0], sent[1])
			}
		}
	}
}

// BenchmarkLeastBound bounds a million IPv4 targets' least payload
// targets, as Received does for W1's (injectkit run over a targets file).
func BenchmarkLeastBound(b *testing.B) {
	targets := make([]framework.Target, 1<<20)
	for i := range targets {
		targets[i].Config = signatures.NetworkConfig{TargetIPv4: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
	}
	for b.Loop() {
		for i := range targets {
			if leastBound(&targets[i]) > 1<<20 {
				b.Fatal("bound above a MiB")
			}
		}
	}
}
