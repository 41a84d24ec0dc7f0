package cli_test

import (
	"strings"
	"testing"
)

// An inject file's "phase": "" is refused as --phase ” is (exit 2, the
// file's line and column named), not run with the default phase; null
// leaves it out, and the openaev profile, which sends no phase, ignores
// it whatever it holds.
func TestInjectFileBlankPhaseRefused(t *testing.T) {
	blank := writeFile(t, "blank.json", `{"targets":[{"value":"127.0.0.1"}],`+"\n"+` "phase": ""}`)
	null := writeFile(t, "null.json", `{"targets":[{"value":"127.0.0.1"}],`+"\n"+` "phase": null}`)
	for _, cmd := range []string{"run", "validate"} {
		r := run(t, registry(), nil, cmd, "noop", "--inject-file", blank, "--log-level", "error")
		if want := blank + `:2:11: invalid phase "": must not be blank: leave the key out for the default`; r.code != 2 || !strings.Contains(r.stderr, want) || r.stdout != "" {
			t.Errorf("%s, phase \"\": exit %d, want 2 saying %q; stdout %q stderr %s", cmd, r.code, want, r.stdout, r.stderr)
		}
		if r := run(t, registry(), nil, cmd, "noop", "--inject-file", null, "--log-level", "error"); r.code != 0 {
			t.Errorf("%s, phase null: exit %d, want 0; stderr %s", cmd, r.code, r.stderr)
		}
		if r := run(t, registry(), nil, cmd, "noop", "--inject-file", blank, "--profile", "openaev", "--log-level", "error"); r.code != 0 {
			t.Errorf("%s --profile openaev, phase \"\": exit %d, want 0 (ignored); stderr %s", cmd, r.code, r.stderr)
		}
		// The configuration's phase replaces the file's, blank or not.
		if r := run(t, registry(), nil, cmd, "noop", "--inject-file", blank, "--phase", "execution_complete", "--log-level", "error"); r.code != 0 {
			t.Errorf("%s --phase, phase \"\": exit %d, want 0; stderr %s", cmd, r.code, r.stderr)
		}
	}
}
