package cli

import (
	"slices"
	"testing"

	"github.com/injectkit/injectkit/injectors/builtin"
)

// The reference injectors the help tells apart from a binary's own are
// the ones builtin registers.
func TestReferenceInjectorsAreBuiltins(t *testing.T) {
	if got := builtin.Names(); !slices.Equal(referenceInjectors, got) {
		t.Errorf("referenceInjectors = %v, builtin.Names() = %v", referenceInjectors, got)
	}
}
