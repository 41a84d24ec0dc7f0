package runtime_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
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

// Typed targets (Request.Typed, the CLI's targets file) run as the same
// targets written as specs: same payload, same signatures; they are
// checked the same way.
func TestTypedTargets(t *testing.T) {
	specs := []runtime.TargetSpec{{Value: "10.0.0.1", Asset: "a-1"}, {Value: "2001:db8::1"}, {Value: "web.example.com"}}
	typed := []framework.Target{
		{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, Attribution: signatures.Attribution{Asset: "a-1"}},
		{Config: signatures.NetworkConfig{TargetIPv6: "2001:db8::1"}},
		{Config: signatures.NetworkConfig{TargetHostname: "web.example.com"}},
	}
	run := func(req runtime.Request) *runtime.Report {
		t.Helper()
		rt, _ := newRuntime(t, &frameworktest.Executor{}, nil)
		req.InjectID, req.Injector, req.ExpectationTypes = "inj-1", "fake", []string{"DETECTION", "PREVENTION"}
		r, err := rt.Run(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	want, got := run(runtime.Request{Targets: specs}), run(runtime.Request{Typed: typed})
	if !reflect.DeepEqual(payload(t, got), payload(t, want)) {
		t.Errorf("payload of typed targets:\n got %+v\nwant %+v", payload(t, got), payload(t, want))
	}
	for i := range specs {
		if g, w := got.Signature(i), want.Signature(i); !reflect.DeepEqual(g, w) {
			t.Errorf("signature %d: got %+v, want %+v", i, g, w)
		}
	}
	n := 0
	for i, s := range got.Signatures() {
		if i != n || s.ExecutionStatus != signatures.StatusSuccess || s.SourceIPv4 != "172.17.0.2" {
			t.Errorf("signature %d: %+v", i, s)
		}
		n++
	}
	if n != len(typed) {
		t.Errorf("%d signatures, want %d", n, len(typed))
	}

	refused := []struct {
		name string
		req  runtime.Request
		want string
	}{
		{"both", runtime.Request{Targets: specs, Typed: typed}, "not both"},
		{"invalid", runtime.Request{Typed: []framework.Target{typed[0], {Config: signatures.NetworkConfig{TargetIPv4: "10.0.0"}}}},
			"targets[1].target_ipv4"},
		{"no configuration", runtime.Request{Typed: []framework.Target{{}}}, "targets[0]"},
		{"mixed", runtime.Request{Typed: []framework.Target{typed[0], {Config: signatures.ExternalConfig{Query: "q"}}}},
			"one category"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.InjectID, tt.req.Injector = "inj-1", "fake"
			if err := rejected(t, &frameworktest.Executor{}, tt.req); !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want a *runtime.RequestError with %q", err, tt.want)
			}
		})
	}
}

// A spec refused by the runtime names the character no target form allows
// in a value that reads as an address or a range, as the command line
// does: one reason, whichever layer refuses it.
func TestSpecNamesTheCharacterNoFormAllows(t *testing.T) {
	cases := []struct {
		name  string
		spec  runtime.TargetSpec
		field string
		want  string
	}{
		{"IPv6 value", runtime.TargetSpec{Value: "::1\u200b"}, "value",
			"not an IP address, CIDR range or host name: it holds the non-printable character U+200B at byte 3"},
		{"range value", runtime.TargetSpec{Value: "10.0.0.0/2\u200b4"}, "value",
			signatures.NotARange + ": it holds the non-printable character U+200B at byte 10"},
		{"range target_ipv6", runtime.TargetSpec{TargetIPv6: "2001:db8::/1!20"}, "target_ipv6",
			signatures.NotARange + ": it holds the character U+0021 '!' at byte 12"},
		{"range without a stray character", runtime.TargetSpec{Value: "10.0.0.0/33"}, "value", signatures.NotARange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.spec.Config()
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Config() = %v, want a *signatures.ValidationError", err)
			}
			if ve.Field != c.field || ve.Reason != c.want {
				t.Errorf("Config() = field %q reason %q, want field %q reason %q", ve.Field, ve.Reason, c.field, c.want)
			}
		})
	}
}

// A query target narrowed by target_ipv6 or value is refused naming that
// field and its value, not as a target of two categories.
func TestQueryNarrowedByAFieldThatCannot(t *testing.T) {
	for _, tt := range []struct {
		spec runtime.TargetSpec
		want string
	}{
		{runtime.TargetSpec{Query: "q", TargetIPv6: "::1"}, `target_ipv6 "::1": ` + signatures.ReasonIPv6Narrowing},
		{runtime.TargetSpec{Query: "q", Value: "10.0.0.1"}, `value "10.0.0.1": ` + runtime.ReasonValueNarrowing},
		{runtime.TargetSpec{Query: "q", Value: "10.0.0.1", CloudRegion: "eu-west-1"}, "target mixes"},
	} {
		if _, err := tt.spec.Config(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.spec, err, tt.want)
		}
	}
}
