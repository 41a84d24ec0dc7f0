package signatures_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// TestCanonicalNetworkConfig checks the form a network target takes on the
// wire, whatever form it was given in: what a defence logs.
func TestCanonicalNetworkConfig(t *testing.T) {
	tests := []struct {
		name string
		in   string // a value, classified as --target classifies it
		want signatures.NetworkConfig
	}{
		{"ipv4 as it is", "10.0.0.1", signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}},
		{"ipv6 uncompressed", "0:0:0:0:0:0:0:1", signatures.NetworkConfig{TargetIPv6: "::1"}},
		{"ipv6 upper case", "FD00::2", signatures.NetworkConfig{TargetIPv6: "fd00::2"}},
		{"ipv6 leading zeros", "2001:0db8:0000::0001", signatures.NetworkConfig{TargetIPv6: "2001:db8::1"}},
		{"ipv6 zone kept as given", "FE80::1%Eth0", signatures.NetworkConfig{TargetIPv6: "fe80::1%Eth0"}},
		{"ipv4-mapped is its ipv4 address", "::ffff:127.0.0.1", signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}},
		{"ipv4-mapped in hex", "::FFFF:a00:4", signatures.NetworkConfig{TargetIPv4: "10.0.0.4"}},
		{"host name lower case", "WEB.Example.COM", signatures.NetworkConfig{TargetHostname: "web.example.com"}},
		{"fully-qualified name", "localhost.", signatures.NetworkConfig{TargetHostname: "localhost"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := signatures.ClassifyNetworkTarget(tt.in)
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate(%q) = %v", tt.in, err)
			}
			got := signatures.Canonical(c)
			if got != signatures.Config(tt.want) {
				t.Errorf("Canonical(%+v) = %+v, want %+v", c, got, tt.want)
			}
			if p := signatures.Canonical(&c); *p.(*signatures.NetworkConfig) != tt.want {
				t.Errorf("Canonical(&%+v) = %+v, want %+v", c, p, tt.want)
			}
			if v := signatures.CanonicalTarget(tt.in); v != tt.want.Value() {
				t.Errorf("CanonicalTarget(%q) = %q, want %q", tt.in, v, tt.want.Value())
			}
		})
	}
}

// TestCanonicalExternalConfig checks that a query narrowed to a name or an
// address carries it in the canonical form too; the query is verbatim.
func TestCanonicalExternalConfig(t *testing.T) {
	in := signatures.ExternalConfig{Query: "Port:22", TargetHostname: "Web.Example.com."}
	want := signatures.ExternalConfig{Query: "Port:22", TargetHostname: "web.example.com"}
	if got := signatures.Canonical(in); got != signatures.Config(want) {
		t.Errorf("Canonical(%+v) = %+v, want %+v", in, got, want)
	}
	cloud := signatures.CloudConfig{CloudProvider: "AWS", CloudAccountID: "1", CloudRegion: "EU-West-1"}
	if got := signatures.Canonical(cloud); got != signatures.Config(cloud) {
		t.Errorf("Canonical(%+v) = %+v, want it unchanged", cloud, got)
	}
}

// FuzzCanonicalTarget checks, for any value that passes validation as a
// network target, that its canonical form passes too, names the same
// address (unmapped) or the same name ignoring case and a trailing dot, is
// never an IPv4 address in an IPv6 field, and is its own canonical form.
func FuzzCanonicalTarget(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "::1", "0:0:0:0:0:0:0:1", "FD00::2", "::ffff:127.0.0.1",
		"fe80::1%eth0", "FE80::1%2", "::ffff:10.0.0.4%lo", "localhost.", "WEB.example.COM", "[::1]", "a..b", ".",
		"fe80::1%lo", "fe80::1%25lo", "FE80::1%nosuchif"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		c := signatures.ClassifyNetworkTarget(v)
		if c.Validate() != nil {
			return
		}
		got := signatures.Canonical(c).(signatures.NetworkConfig)
		if err := got.Validate(); err != nil {
			t.Fatalf("canonical form %+v of %q does not validate: %v", got, v, err)
		}
		cv := got.Value()
		if cv != signatures.CanonicalTarget(v) || signatures.CanonicalTarget(cv) != cv {
			t.Fatalf("%q: canonical %q, CanonicalTarget %q, not a fixed point", v, cv, signatures.CanonicalTarget(v))
		}
		if signatures.ClassifyNetworkTarget(cv) != got {
			t.Fatalf("%q: canonical %+v classifies as %+v", v, got, signatures.ClassifyNetworkTarget(cv))
		}
		if a, err := netip.ParseAddr(v); err == nil {
			b, err := netip.ParseAddr(cv)
			if err != nil || b != a.Unmap() {
				t.Fatalf("%q: canonical %q is not the same address", v, cv)
			}
			if got.TargetIPv6 != "" && b.Is4In6() {
				t.Fatalf("%q: IPv4 address in target_ipv6 %q", v, got.TargetIPv6)
			}
			// On the wire, the address the defences log: no zone.
			var s signatures.Signature
			s.TargetIPv4, s.TargetIPv6 = got.TargetIPv4, got.TargetIPv6
			for _, f := range s.Fields() {
				if w, err := netip.ParseAddr(f.Value.(string)); err != nil || w != b.WithZone("") {
					t.Fatalf("%q: %s on the wire %q, want %s", v, f.Name, f.Value, b.WithZone(""))
				}
			}
			return
		}
		if cv != strings.ToLower(strings.TrimSuffix(v, ".")) {
			t.Fatalf("%q: canonical name %q", v, cv)
		}
	})
}

// TestCanonicalFormAllocatesNothing checks that a configuration already in
// its canonical form comes back as it is, without an allocation: the
// runtime calls Canonical on each target, a million of them from a targets
// file, and a copy of each one would be as many allocations of garbage.
func TestCanonicalFormAllocatesNothing(t *testing.T) {
	network := signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}
	tests := []struct {
		name string
		in   signatures.Config
	}{
		{"ipv4", network},
		{"ipv6", signatures.NetworkConfig{TargetIPv6: "fd00::2"}},
		{"host name", signatures.NetworkConfig{TargetHostname: "web.example.com"}},
		{"pointer", &network},
		{"query narrowed", signatures.ExternalConfig{Query: "Port:22", TargetHostname: "web.example.com"}},
		{"cloud", signatures.CloudConfig{CloudProvider: "AWS", CloudAccountID: "1", CloudRegion: "eu-west-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got signatures.Config
			if allocs := testing.AllocsPerRun(100, func() { got = signatures.Canonical(tt.in) }); allocs != 0 {
				t.Errorf("Canonical(%+v): %v allocations, want none", tt.in, allocs)
			}
			if got != tt.in {
				t.Errorf("Canonical(%+v) = %+v, want it as it is", tt.in, got)
			}
		})
	}
}

// TestCanonicalTargetUnparsed checks that a value without a colon, which
// CanonicalTarget does not parse, takes the form parsing it gives: every
// string of up to five characters over digits, dots, a capital and a
// letter, and the table's values, against the form netip tells.
func TestCanonicalTargetUnparsed(t *testing.T) {
	parsed := func(v string) string { // the form, v parsed
		if a, err := netip.ParseAddr(v); err == nil && a.Is4() {
			return v
		}
		return strings.ToLower(strings.TrimSuffix(v, "."))
	}
	values := []string{"", ".", "10.0.0.1", "010.0.0.1", "10.0.0.1.", "10.0.0", "256.0.0.1", "1..2.3",
		"255.255.255.255", "0.0.0.0", "WEB.Example.COM.", "Ünïcode.Example", "10.0.0.1%eth0", "1e1.0.0.1"}
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		values = append(values, prefix)
		if n == 0 {
			return
		}
		for _, c := range "019.Aa" {
			gen(prefix+string(c), n-1)
		}
	}
	gen("", 5)
	for _, v := range values {
		if got, want := signatures.CanonicalTarget(v), parsed(v); got != want {
			t.Errorf("CanonicalTarget(%q) = %q, want %q", v, got, want)
		}
	}
}
