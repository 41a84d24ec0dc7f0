package query

import (
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// platformTypes are the platform's contract platforms (OpenAEV 2.4.0; later
// versions only add Android and iOS).
var platformTypes = []string{"Linux", "Windows", "MacOS", "Container", "Service", "Generic", "Internal", "Unknown"}

// TestPlatformAcceptsContract: the manifest declares only platforms and
// output types the platform knows.
func TestPlatformAcceptsContract(t *testing.T) {
	m := New().Manifest()
	for _, p := range m.Platforms {
		if !slices.Contains(platformTypes, p) {
			t.Errorf("platform %q is not a platform type %v", p, platformTypes)
		}
	}
	for _, o := range m.Outputs {
		if !openaevtest.KnownOutputType(openaevtest.Current, o.Type) {
			t.Errorf("output %s: type %q unknown to the platform", o.Field, o.Type)
		}
	}
}

// TestPlatformAcceptsFindings runs the findings of a real run against the
// Shodan stand-in (IPv4 and IPv6 banners, CVEs with scores, targets with
// asset ids) through the platform stand-in's output validators: a value
// that fails would make the real platform drop the whole callback.
func TestPlatformAcceptsFindings(t *testing.T) {
	_, doc := realFindings(t)
	for _, o := range New().Manifest().Outputs {
		if list, _ := doc[o.Field].([]any); len(list) == 0 {
			t.Errorf("output %s is empty: nothing was validated", o.Field)
		}
		if err := openaevtest.ValidateOutput(openaevtest.Current, o.Type, doc[o.Field]); err != nil {
			t.Errorf("output %s (%s) rejected: %v", o.Field, o.Type, err)
		}
		if openaevtest.KnownOutputType(openaevtest.Version24, o.Type) {
			if err := openaevtest.ValidateOutput(openaevtest.Version24, o.Type, doc[o.Field]); err != nil {
				t.Errorf("output %s (%s) rejected by 2.4.0: %v", o.Field, o.Type, err)
			}
		}
	}
}

// TestPlatformRejectsOldShapes: the validators would have caught what query
// sent before (CVE ids as strings, an IPv6 address in the ipv4 output), so
// a pass above means something.
func TestPlatformRejectsOldShapes(t *testing.T) {
	tests := []struct {
		name, outputType string
		value            any
	}{
		{"cve ids as strings", "cve", []any{"CVE-2021-41773"}},
		{"IPv6 in ipv4", "ipv4", []any{"127.0.0.1", "2001:db8::15"}},
		{"IPv4 in ipv6", "ipv6", []any{"127.0.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := openaevtest.ValidateOutput(openaevtest.Current, tt.outputType, tt.value); err == nil {
				t.Errorf("%s %v accepted", tt.outputType, tt.value)
			}
		})
	}
}
