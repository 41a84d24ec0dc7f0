package runtime_test

import (
	"context"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// Every target reaches the executor and the wire in one canonical form,
// however it was written and whichever way it came in (specs or typed):
// an IPv6 address compressed in lower case, an IPv4-mapped address as its
// IPv4 address, a host name in lower case without a trailing dot. The
// request's own typed targets are left as they were given.
func TestTargetsCanonical(t *testing.T) {
	cases := []struct {
		in   string
		want signatures.NetworkConfig
	}{
		{"0:0:0:0:0:0:0:1", signatures.NetworkConfig{TargetIPv6: "::1"}},
		{"FD00::2", signatures.NetworkConfig{TargetIPv6: "fd00::2"}},
		{"::ffff:127.0.0.1", signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}},
		{"FE80::1%eth0", signatures.NetworkConfig{TargetIPv6: "fe80::1%eth0"}},
		{"WEB.Example.com.", signatures.NetworkConfig{TargetHostname: "web.example.com"}},
		{"10.0.0.1", signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}},
	}
	var specs []runtime.TargetSpec
	var typed []framework.Target
	for _, c := range cases {
		specs = append(specs, runtime.TargetSpec{Value: c.in})
		typed = append(typed, framework.Target{Config: signatures.ClassifyNetworkTarget(c.in)})
	}
	given := append([]framework.Target(nil), typed...)
	for _, req := range []runtime.Request{{Targets: specs}, {Typed: typed}} {
		ex := &frameworktest.Executor{}
		rt, _ := newRuntime(t, ex, nil)
		req.InjectID, req.Injector, req.ExpectationTypes = "inj-1", "fake", []string{"DETECTION"}
		r, err := rt.Run(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		calls := ex.Calls()
		if len(calls) != 1 {
			t.Fatalf("%d calls, want 1", len(calls))
		}
		for i, c := range cases {
			if got := calls[0].Targets[i].Config; got != signatures.Config(c.want) {
				t.Errorf("%q: the executor got %+v, want %+v", c.in, got, c.want)
			}
			s := r.Signature(i)
			if s.TargetIPv4 != c.want.TargetIPv4 || s.TargetIPv6 != c.want.TargetIPv6 || s.TargetHostname != c.want.TargetHostname {
				t.Errorf("%q: signature targets %q %q %q, want %+v", c.in, s.TargetIPv4, s.TargetIPv6, s.TargetHostname, c.want)
			}
		}
	}
	for i := range typed {
		if typed[i] != given[i] {
			t.Errorf("request's typed target %d changed to %+v", i, typed[i])
		}
	}
}

// Two specs of one target have one Key whichever field holds the address
// and however it is written; another target, agent or query has another.
func TestTargetSpecKey(t *testing.T) {
	same := [][2]runtime.TargetSpec{
		{{TargetIPv6: "::ffff:10.0.0.4"}, {TargetIPv4: "10.0.0.4"}},
		{{Value: "10.0.0.4"}, {TargetIPv4: "10.0.0.4"}},
		{{Value: "0:0:0:0:0:0:0:1"}, {TargetIPv6: "::1"}},
		{{Value: "WEB.example.com."}, {TargetHostname: "web.example.com"}},
		{{Value: "10.0.0.4", Agent: "a"}, {TargetIPv6: "::FFFF:10.0.0.4", Agent: "a"}},
	}
	for _, p := range same {
		if p[0].Key() != p[1].Key() {
			t.Errorf("%+v and %+v: two keys, want one", p[0], p[1])
		}
	}
	other := [][2]runtime.TargetSpec{
		{{Value: "10.0.0.4"}, {Value: "10.0.0.5"}},
		{{Value: "10.0.0.4", Agent: "a"}, {Value: "10.0.0.4", Agent: "b"}},
		{{Value: "10.0.0.4", Query: "port:22"}, {Value: "10.0.0.4", Query: "port:80"}},
		{{Value: "::1"}, {Value: "127.0.0.1"}},
	}
	for _, p := range other {
		if p[0].Key() == p[1].Key() {
			t.Errorf("%+v and %+v: one key, want two", p[0], p[1])
		}
	}
}
