package openaev

import (
	"testing"
)

// An asset's value is in the canonical form the wire carries: an
// IPv4-mapped seen_ip is its IPv4 address, an IPv6 address compressed in
// lower case, a host name in lower case; a fully-qualified host name
// (trailing dot) is a host name, not a reason to fall back to the IP.
func TestAssetValueCanonical(t *testing.T) {
	tests := []struct {
		name string
		a    Asset
		prop string
		want string
	}{
		{"mapped seen_ip", Asset{ID: "a", SeenIP: "::ffff:10.0.0.4", Agents: []string{"g"}}, PropertySeenIP, "10.0.0.4"},
		{"mapped seen_ip, automatic", Asset{ID: "a", SeenIP: "::ffff:10.0.0.4", Agents: []string{"g"}}, PropertyAutomatic, "10.0.0.4"},
		{"upper-case ip", Asset{ID: "a", IPs: []string{" FD00:0:0::2 "}}, PropertyLocalIP, "fd00::2"},
		{"fully-qualified agentless", Asset{ID: "a", Hostname: "web.example.com.", SeenIP: "192.0.2.7"}, PropertyAutomatic, "web.example.com"},
		{"upper-case host name", Asset{ID: "a", Hostname: "WEB.Example.com"}, PropertyHostname, "web.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, why := assetValue(tt.a, tt.prop); got != tt.want {
				t.Errorf("assetValue(%+v, %s) = %q (%s), want %q", tt.a, tt.prop, got, why, tt.want)
			}
		})
	}
}
