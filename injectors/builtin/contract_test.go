package builtin_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/injectors/query"
	"github.com/injectkit/injectkit/internal/contracttest"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestReferenceManifests: each reference injector's manifest declares the
// platforms, domains, security platforms and outputs its contract
// promises, and only platforms and output types the platform knows.
func TestReferenceManifests(t *testing.T) {
	var (
		siem, ndr, xdr = framework.SecuritySIEM, framework.SecurityNDR, framework.SecurityXDR
		both           = []openaevtest.Version{openaevtest.Current, openaevtest.Version24}
	)
	tests := []struct {
		ex        framework.Manifester
		expects   []framework.ExpectationType // nil: DETECTION and PREVENTION
		platforms []string
		domains   []framework.Domain
		security  map[framework.ExpectationType][]string
		outputs   map[string]string // field → type
		multiple  []string          // the output fields declared multiple, sorted
		versions  []openaevtest.Version
	}{
		{ex: noop.New(), outputs: map[string]string{"summary": "text"}},
		{ex: nmap.New(), platforms: []string{"Linux"}, domains: []framework.Domain{framework.DomainNetwork},
			security: map[framework.ExpectationType][]string{framework.Detection: {ndr, siem, xdr}, framework.Prevention: {ndr, xdr}},
			outputs:  map[string]string{nmap.FieldScanResults: "portscan", nmap.FieldPorts: "port", nmap.FieldActionOutput: "action_output"},
			multiple: []string{nmap.FieldPorts, nmap.FieldScanResults}},
		// A lookup sends nothing to its targets: VULNERABILITY only, no
		// security platform.
		{ex: query.New(), domains: []framework.Domain{framework.DomainNetwork},
			expects:  []framework.ExpectationType{framework.Vulnerability},
			outputs:  map[string]string{query.FieldMatchedIPs: "ipv4", query.FieldMatchedIPv6: "ipv6", query.FieldCVEs: "cve"},
			multiple: []string{query.FieldCVEs, query.FieldMatchedIPs, query.FieldMatchedIPv6}},
		{ex: cloudscan.New(), domains: []framework.Domain{framework.DomainCloud},
			security: map[framework.ExpectationType][]string{framework.Detection: {siem, xdr}, framework.Prevention: {siem, xdr}},
			outputs:  map[string]string{cloudscan.FieldFindingsSummary: "text"},
			multiple: []string{cloudscan.FieldFindingsSummary}, versions: both},
	}
	for _, tt := range tests {
		m := tt.ex.Manifest()
		t.Run(m.Name, func(t *testing.T) {
			expects := tt.expects
			if expects == nil {
				expects = []framework.ExpectationType{framework.Detection, framework.Prevention}
			}
			if !slices.Equal(m.Expectations, expects) {
				t.Errorf("expectations = %v, want %v", m.Expectations, expects)
			}
			if !reflect.DeepEqual(m.Platforms, tt.platforms) {
				t.Errorf("platforms = %v, want %v", m.Platforms, tt.platforms)
			}
			if !reflect.DeepEqual(m.Domains, tt.domains) {
				t.Errorf("domains = %v, want %v", m.Domains, tt.domains)
			}
			if !reflect.DeepEqual(m.SecurityPlatforms, tt.security) {
				t.Errorf("security platforms = %v, want %v", m.SecurityPlatforms, tt.security)
			}
			types := map[string]string{}
			var multiple []string
			for _, o := range m.Outputs {
				types[o.Field] = o.Type
				if o.Multiple {
					multiple = append(multiple, o.Field)
				}
			}
			slices.Sort(multiple)
			if len(m.Outputs) != len(tt.outputs) || !reflect.DeepEqual(types, tt.outputs) || !slices.Equal(multiple, tt.multiple) {
				t.Errorf("outputs = %+v, want %v, multiple %v", m.Outputs, tt.outputs, tt.multiple)
			}
			contracttest.CheckManifest(t, m, tt.versions...)
		})
	}
}
