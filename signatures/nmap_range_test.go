package signatures_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// A value in nmap's IPv4 octet-range syntax (TargetGroup.cc,
// parse_ipv4_ranges: 127.0.0.*, 127.0.0-1.1, 127.0.0.1,5) is refused as
// the range it is, wherever a target is read as a host name, and quoted
// as written: not judged as a host name holding '*' or ',' (and withheld
// as "(not shown)"), nor as one whose last label is all digits.
func TestNmapRangeRefusedAsARange(t *testing.T) {
	for _, v := range []string{
		"127.0.0.*", "127.0.*.1", "*.*.*.*", "127.0.0-1.1", "127.0.0.1-5", "10.0.0.1,5",
		"10.0.0.1,3,7-9", "10.0.0.-5", "10.0.0.250-", "10.0.0.-", "127.0.0.*.",
	} {
		t.Run(v, func(t *testing.T) {
			if !signatures.NmapRange(strings.TrimSuffix(v, ".")) {
				t.Errorf("NmapRange(%q) = false, want true", v)
			}
			err := signatures.ValidateHostname("targets[0]", v)
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Value != v || ve.Reason != signatures.ReasonNmapRange {
				t.Fatalf("ValidateHostname(%q) = %v, want the reason %q", v, err, signatures.ReasonNmapRange)
			}
			if got, want := signatures.ShownTarget(v), `"`+v+`"`; got != want {
				t.Errorf("ShownTarget(%q) = %s, want %s", v, got, want)
			}
			err = signatures.ClassifyNetworkTarget(v).Validate()
			if !errors.As(err, &ve) || ve.Reason != signatures.ReasonNmapRange {
				t.Errorf("ClassifyNetworkTarget(%q).Validate() = %v, want the reason %q", v, err, signatures.ReasonNmapRange)
			}
		})
	}
	// Not nmap's syntax: an address, fewer octets, an empty item, '*'
	// beside a number, a letter; each keeps its own reason.
	for _, v := range []string{"10.0.0.1", "10-20", "10.0.*", "1.2.3.,", "1.2.3.4,,5", "1.2.3.4*", "a.0.0.*", "1.2.3.4-5-6"} {
		if signatures.NmapRange(v) {
			t.Errorf("NmapRange(%q) = true, want false", v)
		}
		var ve *signatures.ValidationError
		if err := signatures.ValidateHostname("targets[0]", v); !errors.As(err, &ve) || ve.Reason == signatures.ReasonNmapRange {
			t.Errorf("ValidateHostname(%q) = %v, want a refusal of its own", v, err)
		}
	}
}
