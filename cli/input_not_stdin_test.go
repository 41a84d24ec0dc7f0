package cli_test

import (
	"strings"
	"testing"
)

// "-" reads stdin for --inject-file and --targets-file only: a config, CA
// or platform message file given as "-" (a script piping its config in)
// is refused, exit 2, saying so and what to give instead, not only "no
// such file or directory", which read as a file named "-" gone missing.
func TestDashIsNoStdinForOtherFiles(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"config", []string{"run", "noop", "--target", "127.0.0.1", "--config", "-"}, `invalid config "-" (--config): no such file or directory; `},
		{"config from the environment", []string{"validate", "noop", "--target", "127.0.0.1"}, `invalid config "-" (env INJECTKIT_CONFIG): no such file or directory; `},
		{"ca file", []string{"run", "noop", "--target", "127.0.0.1", "--ca-file", "-"}, `invalid ca_file "-" (--ca-file): no such file or directory; `},
		{"openaev message", []string{"run", "noop", "--openaev-message", "-"}, `invalid openaev_message "-" (--openaev-message): no such file or directory; `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var env map[string]string
			if strings.Contains(tt.name, "environment") {
				env = map[string]string{"INJECTKIT_CONFIG": "-"}
			}
			r := run(t, registry(), env, tt.args...)
			want := "injectkit: " + tt.want + `"-" reads stdin for inject_file and targets_file only: give the file's path (a process substitution <(…) works too)` + "\n"
			if r.code != 2 || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s", r.code, want, r.stderr)
			}
		})
	}
}
