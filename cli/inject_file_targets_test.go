package cli_test

import (
	"strings"
	"testing"
)

// An inject file that gives no target, and nothing else does, is refused
// naming the file, as its other refusals are: the error said only
// "invalid targets: at least one target is required".
func TestRunInjectFileWithoutTargetsNamesTheFile(t *testing.T) {
	tests := []struct {
		name, file string
	}{
		{"empty list", `{"injector":"noop","targets":[]}`},
		{"no targets", `{"injector":"noop"}`},
		{"null", `{"injector":"noop","targets":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "inject.json", tt.file)
			for _, cmd := range []string{"run", "validate"} {
				r := run(t, registry(), nil, cmd, "--inject-file", path, "--log-level", "error")
				want := "injectkit: inject file " + path + ": invalid targets: at least one target is required"
				if r.code != 2 || !strings.Contains(r.stderr, want) {
					t.Errorf("%s: exit %d, stderr %q; want 2 and %q", cmd, r.code, r.stderr, want)
				}
			}
		})
	}
}
