package openaev_test

import (
	"context"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestRegisteredContractExpectations: what 2.4.0 makes of the
// expectations field of the contracts injectkit registers. Its
// predefinedExpectations is a list, as the platform's own
// ContractExpectations writes it: the inject form offers its types and an
// atomic test copies them. The threat arsenal's detail of such a contract
// fails with the platform's 400, as it does for the platform's own
// (InjectorContractContentUtils.getPredefinedExpectations reads the list
// as one name); no content could serve it and the form both. A contract
// without expectations has no such field, and its detail renders.
func TestRegisteredContractExpectations(t *testing.T) {
	e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(openaevtest.Version24)})
	none := testManifests()[1]
	none.Name, none.Expectations = "silent", nil
	manifests := append(testManifests(), none)
	if _, err := e.client.Register(context.Background(), manifests, false); err != nil {
		t.Fatal(err)
	}
	for _, m := range manifests {
		t.Run(m.Name, func(t *testing.T) {
			ce, ok := e.platform.Expectations(e.client.ContractID(m.Name))
			if !ok {
				t.Fatal("contract not registered")
			}
			var declared []string
			for _, x := range m.Expectations {
				declared = append(declared, string(x))
			}
			offered := slices.Clone(declared)
			for _, d := range []string{"DETECTION", "PREVENTION", "VULNERABILITY"} {
				if !slices.Contains(offered, d) {
					offered = append(offered, d)
				}
			}
			if ce.Unreadable != "" || !slices.Equal(ce.Predefined, declared) || !slices.Equal(ce.Offered, offered) {
				t.Errorf("form offers %v, atomic test gets %v (unreadable %q); want %v and %v",
					ce.Offered, ce.Predefined, ce.Unreadable, offered, declared)
			}
			want := ""
			if len(m.Expectations) > 0 {
				want = "400: No enum constant io.openaev.database.model.InjectExpectation.EXPECTATION_TYPE."
			}
			if ce.ArsenalDetail != want {
				t.Errorf("threat arsenal detail = %q, want %q", ce.ArsenalDetail, want)
			}
		})
	}
}
