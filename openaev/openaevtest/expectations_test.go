package openaevtest_test

import (
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestContractExpectations: the platform registers a contract whatever
// expectation types it declares; its inject form then offers the
// contract's, or, when one is no EXPECTATION_TYPE, only the platform's
// defaults, and an atomic test copies them as they are (rule 13).
func TestContractExpectations(t *testing.T) {
	predefined := func(types ...any) func(c, e map[string]any) {
		return func(c, e map[string]any) {
			var list []any
			for _, ty := range types {
				list = append(list, map[string]any{"expectation_type": ty, "expectation_score": 100})
			}
			c["fields"] = []any{map[string]any{"key": "targets", "type": "text"},
				map[string]any{"key": "expectations", "type": "expectation", "predefinedExpectations": list}}
		}
	}
	tests := []struct {
		name       string
		mutate     func(content, entry map[string]any)
		offered    []string
		predefined []string
		unreadable bool
	}{
		{"DETECTION and PREVENTION", predefined("DETECTION", "PREVENTION"),
			[]string{"DETECTION", "PREVENTION", "VULNERABILITY"}, []string{"DETECTION", "PREVENTION"}, false},
		{"a type of the platform injectkit has not", predefined("MANUAL"),
			[]string{"MANUAL", "DETECTION", "PREVENTION", "VULNERABILITY"}, []string{"MANUAL"}, false},
		{"DETECTION twice", predefined("DETECTION", "DETECTION"),
			[]string{"DETECTION", "DETECTION", "PREVENTION", "VULNERABILITY"}, []string{"DETECTION", "DETECTION"}, false},
		{"the tester's: DETECTION twice and BOGUS", predefined("DETECTION", "DETECTION", "BOGUS"),
			[]string{"DETECTION", "PREVENTION", "VULNERABILITY"}, []string{"DETECTION", "DETECTION", "BOGUS"}, true},
		{"lower case", predefined("detection", "VULNERABILITY"),
			[]string{"DETECTION", "PREVENTION", "VULNERABILITY"}, []string{"detection", "VULNERABILITY"}, true},
		{"a human contract", func(c, e map[string]any) {
			predefined("BOGUS")(c, e)
			c["fields"] = append(c["fields"].([]any), map[string]any{"key": "teams", "type": "team"})
		}, []string{"MANUAL"}, []string{"BOGUS"}, true},
		{"no expectations field", func(c, e map[string]any) { c["fields"] = []any{} },
			[]string{"DETECTION", "PREVENTION", "VULNERABILITY"}, nil, false},
	}
	for _, tt := range tests {
		for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
			t.Run(tt.name+" on "+v.String(), func(t *testing.T) {
				p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(v))
				ce := registeredExpectations(t, p, tt.mutate)
				if !slices.Equal(ce.Offered, tt.offered) || !slices.Equal(ce.Predefined, tt.predefined) ||
					(ce.Unreadable != "") != tt.unreadable {
					t.Errorf("expectations %+v; want offered %v, predefined %v, unreadable %v",
						ce, tt.offered, tt.predefined, tt.unreadable)
				}
			})
		}
	}
	if _, ok := openaevtest.NewPlatform(t, token).Expectations("nope"); ok {
		t.Error("an unregistered contract has expectations")
	}
}

// registeredExpectations registers the nmap contract changed by mutate
// on p, which must take it (200), and returns what p holds of its
// expectations.
func registeredExpectations(t *testing.T, p *openaevtest.Platform, mutate func(content, entry map[string]any)) openaevtest.ContractExpectations {
	t.Helper()
	contract := nmapContract(mutate)
	if st, reply := register(t, p, contract); st != 200 {
		t.Fatalf("registration answered %d (%v), want 200: the platform stores contract_content as it is", st, reply)
	}
	ce, ok := p.Expectations(contract["contract_id"].(string))
	if !ok {
		t.Fatal("contract not registered")
	}
	return ce
}

// TestThreatArsenalDetail: 2.4.0's threat arsenal detail of a contract
// without payload reads the predefinedExpectations of each expectations
// field as one EXPECTATION_TYPE name (InjectorContractContentUtils
// .getPredefinedExpectations): the list the platform's own contracts hold
// fails it, and so does a field without key or predefinedExpectations.
func TestThreatArsenalDetail(t *testing.T) {
	const noEnum = "400: No enum constant io.openaev.database.model.InjectExpectation.EXPECTATION_TYPE."
	fields := func(fs ...any) func(c, e map[string]any) {
		return func(c, e map[string]any) { c["fields"] = fs }
	}
	exp := func(pe any) map[string]any {
		return map[string]any{"key": "expectations", "type": "expectation", "predefinedExpectations": pe}
	}
	list := []any{map[string]any{"expectation_type": "DETECTION", "expectation_score": 100}}
	tests := []struct {
		name   string
		mutate func(content, entry map[string]any)
		want   string
	}{
		{"a list, as the platform's own ContractExpectations writes", fields(exp(list)), noEnum},
		{"an empty list", fields(exp([]any{})), noEnum},
		{"one type's name", fields(exp("DETECTION")), ""},
		{"a lower-case name", fields(exp("detection")), noEnum + "detection"},
		{"null", fields(exp(nil)), noEnum + "null"},
		{"no predefinedExpectations", nil, "500: NullPointerException (an expectations field without predefinedExpectations)"},
		{"a field without key before", fields(map[string]any{"type": "text"}, exp("DETECTION")), "500: NullPointerException (a field without key)"},
		{"no expectations field", fields(map[string]any{"key": "targets", "type": "text"}), ""},
		{"fields no list", func(c, e map[string]any) { c["fields"] = "none" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(openaevtest.Version24))
			ce := registeredExpectations(t, p, tt.mutate)
			if ce.ArsenalDetail != tt.want {
				t.Errorf("threat arsenal detail = %q, want %q", ce.ArsenalDetail, tt.want)
			}
		})
	}
}
