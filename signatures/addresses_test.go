package signatures_test

import (
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

func TestAddTargetAddresses(t *testing.T) {
	tests := []struct {
		name   string
		sig    signatures.Signature
		addrs  []netip.Addr
		v4, v6 string
	}{
		{"host name, IPv4", signatures.Signature{TargetHostname: "web.lan"}, addrs("192.0.2.20"), "192.0.2.20", ""},
		{"host name, first of each family", signatures.Signature{TargetHostname: "web.lan"},
			addrs("2001:db8::1", "192.0.2.20", "192.0.2.21", "2001:db8::2"), "192.0.2.20", "2001:db8::1"},
		{"IPv4-mapped read as IPv4, zone left out", signatures.Signature{TargetHostname: "web.lan"},
			addrs("::ffff:192.0.2.20", "fe80::1%eth0"), "192.0.2.20", "fe80::1"},
		{"no host skipped", signatures.Signature{TargetHostname: "web.lan"},
			addrs("0.0.0.0", "224.0.0.5", "255.255.255.255", "::", "192.0.2.20"), "192.0.2.20", ""},
		{"none", signatures.Signature{TargetHostname: "web.lan"}, nil, "", ""},
		{"address target kept", signatures.Signature{TargetIPv4: "192.0.2.30"}, addrs("192.0.2.20"), "192.0.2.30", ""},
		{"no target: nothing set", signatures.Signature{CloudProvider: "aws"}, addrs("192.0.2.20"), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.sig
			signatures.AddTargetAddresses(&s, tt.addrs)
			if s.TargetIPv4 != tt.v4 || s.TargetIPv6 != tt.v6 {
				t.Errorf("target_ipv4 %q, target_ipv6 %q; want %q, %q", s.TargetIPv4, s.TargetIPv6, tt.v4, tt.v6)
			}
			if s.TargetHostname != tt.sig.TargetHostname {
				t.Errorf("target_hostname %q, want %q", s.TargetHostname, tt.sig.TargetHostname)
			}
		})
	}
}

// A batch given TargetAddresses sets them on its host name targets, in
// its signatures and its payload alike (with and without per-target
// extras: two ways of building it), never on an address target or one
// not reached.
func TestBatchTargetAddresses(t *testing.T) {
	ck := testkit.NewClock(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	m := signatures.NewManager(signatures.WithClock(ck.Now), signatures.WithResolver(pinnedResolver("172.17.0.2", "", nil)))
	cfgs := []signatures.Config{signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, signatures.NetworkConfig{TargetHostname: "web.lan"},
		signatures.NetworkConfig{TargetHostname: "down.lan"}, signatures.NetworkConfig{TargetHostname: "other.lan"}}
	given := [][]netip.Addr{addrs("10.0.0.99"), addrs("192.0.2.20"), addrs("192.0.2.21"), nil}
	pre, err := m.Batch(len(cfgs), func(i int) signatures.Config { return cfgs[i] })
	if err != nil {
		t.Fatal(err)
	}
	post, err := m.Post(pre, signatures.ToolOutput{Status: signatures.StatusSuccess},
		signatures.TargetAddresses(func(i int) []netip.Addr { return given[i] }),
		signatures.NotReached(func(i int) string { return map[int]string{2: "not scanned"}[i] }))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.1", "192.0.2.20", "", ""}
	for i, s := range post.All() {
		if s.TargetIPv4 != want[i] {
			t.Errorf("signature %d: target_ipv4 %q, want %q", i, s.TargetIPv4, want[i])
		}
	}
	// Without NotReached nor per-target extras, the payload is built from
	// a template of what the targets share: down.lan, reached then, gets
	// its address.
	reached, err := m.Post(pre, signatures.ToolOutput{Status: signatures.StatusSuccess},
		signatures.TargetAddresses(func(i int) []netip.Addr { return given[i] }))
	if err != nil {
		t.Fatal(err)
	}
	types := []signatures.ExpectationType{signatures.Detection}
	attr := func(i int) signatures.Attribution { return signatures.Attribution{Asset: "a"} }
	for _, c := range []struct {
		b      *signatures.Batch
		extras []signatures.TypeExtras
		want   []string
	}{
		{post, nil, want},
		{post, []signatures.TypeExtras{nil, {signatures.Detection: {"x": 1}}, nil, nil}, want},
		{reached, nil, []string{"10.0.0.1", "192.0.2.20", "192.0.2.21", ""}},
	} {
		b, extras, want := c.b, c.extras, c.want
		seq, err := b.PayloadTargets(attr, types, nil, extras...)
		if err != nil {
			t.Fatal(err)
		}
		for i, pt := range seq {
			var got string
			for _, v := range pt.SignatureValues[0].Values {
				if v.SignatureType == signatures.FieldTargetIPv4 {
					got, _ = v.SignatureValue.(string)
				}
			}
			if got != want[i] {
				t.Errorf("extras %v: payload target %d: target_ipv4 %q, want %q", extras != nil, i, got, want[i])
			}
		}
	}
	// Without the option, the batch is the one CompilePost builds.
	plain, err := m.Post(pre, signatures.ToolOutput{Status: signatures.StatusSuccess})
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := m.CompilePost(slices.Collect(func(yield func(signatures.Signature) bool) {
		for _, s := range pre.All() {
			if !yield(s) {
				return
			}
		}
	}), signatures.ToolOutput{Status: signatures.StatusSuccess})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range plain.All() {
		if !reflect.DeepEqual(s, compiled[i]) {
			t.Errorf("signature %d without addresses:\n got %+v\nwant %+v", i, s, compiled[i])
		}
	}
}
