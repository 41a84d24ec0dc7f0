package query

import (
	"testing"

	"github.com/injectkit/injectkit/internal/contracttest"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestPlatformAcceptsFindings runs the findings of a real run against the
// Shodan stand-in (IPv4 and IPv6 banners, CVEs with scores, targets with
// asset ids) through the platform stand-in's output validators: a value
// that fails would make the real platform drop the whole callback.
func TestPlatformAcceptsFindings(t *testing.T) {
	_, doc := realFindings(t)
	m := New().Manifest()
	for _, o := range m.Outputs {
		if list, _ := doc[o.Field].([]any); len(list) == 0 {
			t.Errorf("output %s is empty: nothing was validated", o.Field)
		}
	}
	contracttest.CheckOutputs(t, m, doc)
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
			if err := openaevtest.ValidateOutput(openaevtest.Current, tt.outputType, true, tt.value); err == nil {
				t.Errorf("%s %v accepted", tt.outputType, tt.value)
			}
		})
	}
}
