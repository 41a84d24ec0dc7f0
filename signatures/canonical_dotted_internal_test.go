package signatures

import "testing"

// TestDottedIPv4IsCanonical checks the shortcut Canonical takes for a
// target_ipv4 of digits and dots: it is taken only where canonical() would
// change nothing, and not for what canonical() changes or may change.
func TestDottedIPv4IsCanonical(t *testing.T) {
	tests := []struct {
		name string
		c    NetworkConfig
		want bool
	}{
		{"IPv4 address", NetworkConfig{TargetIPv4: "10.0.0.4"}, true},
		{"digits and dots, not an address", NetworkConfig{TargetIPv4: "1.2.3.4.5"}, true},
		{"leading zeros", NetworkConfig{TargetIPv4: "010.0.0.4"}, true},
		{"trailing dot", NetworkConfig{TargetIPv4: "10.0.0.4."}, false},
		{"capital", NetworkConfig{TargetIPv4: "10.0.0.A"}, false},
		{"IPv4-mapped IPv6 beside", NetworkConfig{TargetIPv4: "10.0.0.4", TargetIPv6: "::ffff:10.0.0.4"}, false},
		{"host name beside", NetworkConfig{TargetIPv4: "10.0.0.4", TargetHostname: "Web.Example.COM."}, false},
		{"IPv6 alone", NetworkConfig{TargetIPv6: "::ffff:10.0.0.4"}, false},
		{"host name alone", NetworkConfig{TargetHostname: "web"}, false},
		{"empty", NetworkConfig{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.dottedIPv4(); got != tt.want {
				t.Fatalf("dottedIPv4() = %v, want %v", got, tt.want)
			}
			if tt.want && tt.c.canonical() != tt.c {
				t.Errorf("canonical() = %+v: the shortcut would skip a change", tt.c.canonical())
			}
			if got, want := Canonical(tt.c), Config(tt.c.canonical()); got != want {
				t.Errorf("Canonical = %+v, want %+v", got, want)
			}
		})
	}
}
