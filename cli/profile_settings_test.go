package cli_test

import (
	"net/http"
	"testing"
)

// TestOtherProfileFlagRefused checks that a flag of the profile a run
// does not use, which that profile would ignore, exits 2 before anything
// runs, naming the flag and its profile; from the environment or a config
// file, which runs of both profiles may share, it is ignored.
func TestOtherProfileFlagRefused(t *testing.T) {
	be := newBackend(t, http.StatusAccepted)
	shared := writeFile(t, "shared.yaml", "openaev_version: 2.4.0\nrerun_finished: true\n")
	line := []string{"noop", "--target", "10.0.0.1", "--log-level", "error"}
	phaseFile := writeFile(t, "inject.json", `{"injector":"noop","targets":[{"value":"10.0.0.1"}],"phase":"x"}`)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" when it runs
	}{
		{"--phase with the openaev profile", nil, []string{"--profile", "openaev", "--phase", "execution_complete"},
			"--phase is a setting of the callback profile, and this run uses the openaev profile (--profile), which ignores it"},
		{"--phase-any with the openaev profile from env", map[string]string{"INJECTKIT_PROFILE": "openaev"}, []string{"--phase-any"},
			"--phase-any is a setting of the callback profile, and this run uses the openaev profile (env INJECTKIT_PROFILE)"},
		{"--openaev-version with the callback profile", nil, []string{"--openaev-version", "2.4.0"},
			"--openaev-version is a setting of the openaev profile, and this run uses the callback profile (the default)"},
		{"--rerun-finished with the callback profile", nil, []string{"--profile", "callback", "--rerun-finished"},
			"--rerun-finished is a setting of the openaev profile, and this run uses the callback profile (--profile)"},
		{"the callback profile's from env with the openaev profile", map[string]string{"INJECTKIT_PHASE": "execution_complete",
			"INJECTKIT_PHASE_ANY": "true"}, []string{"--profile", "openaev"}, ""},
		{"the openaev profile's from a config file with the callback profile", nil, []string{"--config", shared}, ""},
		{"its own profile's flags", nil, []string{"--profile", "openaev", "--openaev-version", "2.4.0", "--rerun-finished"}, ""},
		// t100: the openaev profile ignores the phase wherever it is
		// given: an inject file's or the environment's undocumented one
		// is neither refused nor hinted at (--phase-any, which it refuses).
		{"an inject file's phase with the openaev profile", nil, []string{"--profile", "openaev", "--inject-file", phaseFile}, ""},
		{"the environment's phase with the openaev profile", map[string]string{"INJECTKIT_PHASE": "x"}, []string{"--profile", "openaev"}, ""},
		{"an inject file's phase with the callback profile", nil, []string{"--inject-file", phaseFile},
			`invalid phase "x": want execution_complete, the phase docs/wire-format.md documents (--phase-any sends any other)`},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"run", "validate"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				args := append(append([]string{cmd}, line...), tt.args...)
				if tt.want != "" { // what it would send to, were it not refused
					args = append(args, "--backend-url", be.URL, "--inject-id", "i-1")
				}
				r := run(t, registry(), tt.env, args...)
				checkAcceptedOrRefused(t, r, tt.want)
			})
		}
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent, want none", n) // a refused run sends nothing
	}
}
