package framework

import (
	"fmt"
	"slices"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// CheckExpectation returns nil when an inject of the injector m documents
// may ask for the expectation type t: m declares it, or declares no type
// (it then takes any). Otherwise the error says so and lists the types m
// declares; the runtime refuses such a type as the inject's
// expectation_types entry, the cli as the --expectation the user gave,
// before anything is sent.
func (m Manifest) CheckExpectation(t ExpectationType) error {
	if len(m.Expectations) == 0 || slices.Contains(m.Expectations, t) {
		return nil
	}
	declared := make([]string, len(m.Expectations))
	for i, d := range m.Expectations {
		declared[i] = string(d)
	}
	return fmt.Errorf("%s is not an expectation type injector %s declares: it declares %s", t, m.Name, strings.Join(declared, ", "))
}

// DefaultExpectations returns the expectation types an inject of the
// injector m gets when it names none: DETECTION when m declares it, or
// declares no type; otherwise every type m declares, as a platform message
// naming none runs with them (openaev).
func (m Manifest) DefaultExpectations() []ExpectationType {
	if len(m.Expectations) == 0 || slices.Contains(m.Expectations, signatures.Detection) {
		return []ExpectationType{signatures.Detection}
	}
	return slices.Clone(m.Expectations)
}
