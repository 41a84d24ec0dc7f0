package framework_test

import (
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// A message names at most MaxListedErrors errors, then how many more the
// finding named holds. By the message wanted: the errors joined.
func TestJoinErrors(t *testing.T) {
	ten := slices.Repeat([]string{"e"}, framework.MaxListedErrors)
	for want, errs := range map[string][]string{
		"":                                       nil,
		"targets[0]: refused":                    {"targets[0]: refused"},
		"targets[0]: refused; targets[1]: later": {"targets[0]: refused", "targets[1]: later"},
		"e; e; e; e; e; e; e; e; e; e":           ten,
		"e; e; e; e; e; e; e; e; e; e; and 2 more (configs lists every error)": append(ten, "f", "g"),
	} {
		if got := framework.JoinErrors(errs, "configs"); got != want {
			t.Errorf("JoinErrors(%q) = %q, want %q", errs, got, want)
		}
	}
}
