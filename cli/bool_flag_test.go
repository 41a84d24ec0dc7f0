package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
)

// A boolean flag given a value it cannot read is refused (exit 2, nothing
// sent) as the same value from the environment is, the flag named with
// its two dashes: invalid insecure "yes" (--insecure): not a boolean. Other
// usage errors keep their form.
func TestBadBooleanFlagReadsAsTheEnvironments(t *testing.T) {
	tests := []struct {
		name  string
		cmd   []string
		flag  string // the boolean flag, given --flag=value
		value string
	}{
		{"run --insecure", []string{"run", "noop", "--target", "127.0.0.1", "--outbox", "none"}, "insecure", "yes"},
		{"validate --insecure empty", []string{"validate", "noop", "--target", "127.0.0.1"}, "insecure", ""},
		{"run --phase-any with a quote", []string{"run", "noop", "--target", "127.0.0.1", "--outbox", "none"}, "phase-any", `a"b`},
		{"outbox flush --insecure", []string{"outbox", "flush", "--outbox", "none"}, "insecure", "2"},
		{"serve --broker-insecure", []string{"serve", "--token", "tok", "--injector-id", "00000000-0000-4000-8000-000000000000", "--listen-addr", ""},
			"broker-insecure", "no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := testkit.NewBackend(t)
			url := "--backend-url"
			if tt.cmd[0] == "serve" {
				url = "--openaev-url"
			}
			args := append(append([]string{}, tt.cmd...), url, backend.URL, "--log-level", "error")
			key := strings.ReplaceAll(tt.flag, "-", "_")
			env := run(t, registry(), map[string]string{"INJECTKIT_" + strings.ToUpper(key): tt.value}, args...)
			flag := run(t, registry(), nil, append(args, "--"+tt.flag+"="+tt.value)...)
			fromEnv := strings.Replace(env.stderr, "(env INJECTKIT_"+strings.ToUpper(key)+")", "(--"+tt.flag+")", 1)
			switch {
			case tt.value == "":
				// An empty variable is unset: the flag alone is refused.
				if want := `invalid ` + key + ` "" (--` + tt.flag + `): not a boolean`; flag.code != cli.ExitUsage || !strings.Contains(flag.stderr, want) {
					t.Errorf("flag: exit %d, want %d saying %q:\n%s", flag.code, cli.ExitUsage, want, flag.stderr)
				}
			case env.code != cli.ExitUsage || flag.code != cli.ExitUsage || flag.stderr != fromEnv || !strings.Contains(flag.stderr, "not a boolean"):
				t.Errorf("flag: exit %d, %q\nwant exit %d and the environment's error %q", flag.code, flag.stderr, env.code, fromEnv)
			}
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the backend", n)
			}
		})
	}
	r := run(t, registry(), nil, "run", "noop", "--tagret", "127.0.0.1")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "flag provided but not defined: --tagret (see injectkit run --help)") {
		t.Errorf("unknown flag: exit %d:\n%s", r.code, r.stderr)
	}
}
