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

// A phase --phase-any lets through but no callback can carry (too long,
// not ASCII, a dot segment) is named as every refused setting is, where it
// was given right after the value: `invalid phase "…" (--phase): 257
// bytes long, …`, `(env INJECTKIT_PHASE)`, `(config file c.yaml:1)`, as
// an inject id is. The error put where it was given last, after the
// reason.
func TestPhaseRefusedNamesWhereAfterTheValue(t *testing.T) {
	long := strings.Repeat("p", 257)
	conf := writeFile(t, "c.yaml", "phase: é\n")
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"flag", nil, []string{"--phase", long},
			`invalid phase "` + strings.Repeat("p", 64) + `…" (--phase): 257 bytes long, at most 256 allowed`},
		{"env", map[string]string{"INJECTKIT_PHASE": ".."}, nil,
			`invalid phase ".." (env INJECTKIT_PHASE): a dot segment: in a URL path it would name another resource`},
		{"config file", nil, []string{"--config", conf},
			`invalid phase "é" (config file ` + conf + `:1): holds the non-ASCII character U+00E9 at byte 0`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, cmd := range []string{"run", "validate"} {
				args := append([]string{cmd, "noop", "--target", "127.0.0.1", "--phase-any", "--log-level", "error"}, tt.args...)
				r := run(t, registry(), tt.env, args...)
				if r.code != 2 || !strings.Contains(r.stderr, "injectkit: "+tt.want) || r.stdout != "" {
					t.Errorf("%s: exit %d, stderr:\n%s\nwant exit 2 and: %s", cmd, r.code, r.stderr, tt.want)
				}
			}
		})
	}
}
