package openaev

import (
	"slices"
	"strings"
	"testing"
)

// A CIDR range in the platform's manual targets expands as the CLI's
// --target does: one target per address, in order, network and broadcast
// addresses included, a repeat of an earlier item dropped, the range
// masked (127.0.0.1/30 is 127.0.0.0/30), an IPv6 range too. Only
// loopback ranges: nothing here is scanned, but the tests keep to it.
func TestManualTargetsExpandRanges(t *testing.T) {
	tests := []struct {
		raw   string
		limit int
		want  []string
	}{
		{"127.0.0.0/30", DefaultMaxTargets, []string{"127.0.0.0", "127.0.0.1", "127.0.0.2", "127.0.0.3"}},
		{"127.0.0.1/30", DefaultMaxTargets, []string{"127.0.0.0", "127.0.0.1", "127.0.0.2", "127.0.0.3"}},
		{"127.0.0.2, 127.0.0.0/31,127.0.0.0/30", DefaultMaxTargets, []string{"127.0.0.2", "127.0.0.0", "127.0.0.1", "127.0.0.3"}},
		{"::1/128, localhost", DefaultMaxTargets, []string{"::1", "localhost"}},
		{"127.0.0.5/32", DefaultMaxTargets, []string{"127.0.0.5"}},
		// At the limit: a range counts its addresses, an item one.
		{"127.0.0.0/31, localhost, 127.0.0.9", 4, []string{"127.0.0.0", "127.0.0.1", "localhost", "127.0.0.9"}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			specs, err := manualTargets(tt.raw, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range specs {
				if s.Asset != "" || s.Agent != "" || s.AssetGroup != "" {
					t.Errorf("target %q attributed: %+v", s.Value, s)
				}
				got = append(got, s.Value)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("manualTargets(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

// A range is refused before any target is made when its addresses are
// past the limit (the item, its size and the count named), when it holds
// an address naming no one host (that address named), and an address
// followed by "/" that is no range as the CLI refuses it.
func TestManualTargetsRangeRefusals(t *testing.T) {
	field := `invalid inject_content.targets `
	tests := []struct {
		raw   string
		limit int
		want  string
	}{
		{"10.0.0.0/8", DefaultMaxTargets,
			field + `"10.0.0.0/8": a range of 16777216 addresses, more than max_targets (65536), the most an inject may have`},
		{"127.0.0.1, 2001:db8::/64", DefaultMaxTargets,
			field + `"2001:db8::/64": item 2 of 2: a range of 2^64 addresses, more than max_targets (65536), the most an inject may have`},
		{"::/0", DefaultMaxTargets, field + `"::/0": a range of 2^128 addresses, more than max_targets (65536)`},
		{"127.0.0.0/31, 127.0.0.4/31", 3,
			field + `"127.0.0.4/31": item 2 of 2: a range of 2 addresses, 4 targets with the items before it, more than max_targets (3)`},
		{"127.0.0.0/31, h1, h2", 3,
			`invalid inject_content.targets: at least 4 targets, a range counted by its addresses, more than max_targets (3)`},
		{"h0, h1, h2, h3", 3, `invalid inject_content.targets: 4 targets, more than max_targets (3)`},
		{"10.0.0.0/33", DefaultMaxTargets,
			field + `"10.0.0.0/33": not an address nor a CIDR range (e.g. 10.0.0.0/24, 2001:db8::/120)`},
		{"127.0.0.1,-oN/x", DefaultMaxTargets, field + `"-oN/x": item 2 of 2: host name label starts or ends with '-'`},
		{"fe80::%eth0/126", DefaultMaxTargets, field + `"fe80::%eth0/126": not an address nor a CIDR range`},
		{"0.0.0.0/30", DefaultMaxTargets,
			field + `"0.0.0.0/30": the range holds 0.0.0.0: an unspecified address (0.0.0.0) is not a host to scan`},
		{"127.0.0.1, 224.0.0.0/30", DefaultMaxTargets,
			field + `"224.0.0.0/30": item 2 of 2: the range holds 224.0.0.0: a multicast address (224.0.0.0/4) is not a host to scan`},
		{"255.255.255.254/31", DefaultMaxTargets,
			field + `"255.255.255.254/31": the range holds 255.255.255.255: the limited broadcast address (255.255.255.255) is not a host to scan`},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			specs, err := manualTargets(tt.raw, tt.limit)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("manualTargets(%q) = %d targets, %v; want %q", tt.raw, len(specs), err, tt.want)
			}
			if specs != nil {
				t.Errorf("%d targets made beside the refusal", len(specs))
			}
		})
	}
}
