package framework

import (
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// ValidateManifest checks what a manifest declares, whatever the profile
// that reports its injects: each expectation type is one of
// signatures.ExpectationTypes, spelt as it is (DETECTION, not detection),
// and declared once. openaev.ValidateManifest (the check of a contract
// before registration, and of run and validate with the openaev profile)
// and frameworktest's Conformance call it. The first bad value is a
// *signatures.ValidationError whose Field is "<name>.<field>" (the
// manifest's name, then expectations) and whose Value is the value.
func ValidateManifest(m Manifest) error {
	bad := func(field, value, reason string) error {
		return &signatures.ValidationError{Field: m.Name + "." + field, Value: value, Reason: reason}
	}
	seen := map[ExpectationType]bool{}
	for _, t := range m.Expectations {
		if !t.Valid() {
			return bad("expectations", string(t), "not an expectation type (want one of "+expectationTypeList()+")")
		}
		if seen[t] {
			return bad("expectations", string(t), "declared twice")
		}
		seen[t] = true
	}
	return nil
}

// expectationTypeList is signatures.ExpectationTypes, comma-separated.
func expectationTypeList() string {
	types := signatures.ExpectationTypes()
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}
