package cli_test

import (
	"strings"
	"testing"
)

// A boolean key given empty in the config file (insecure: "") is refused
// as --insecure= is, exit 2 naming the key and the file's line, not taken
// for false; with no value at all (insecure:, YAML null) it is as if left
// out, as any key is.
func TestBlankBooleanInConfigRefused(t *testing.T) {
	tests := []struct {
		key  string
		args []string
	}{
		{"insecure", []string{"validate", "noop", "--target", "127.0.0.1"}},
		{"phase_any", []string{"validate", "noop", "--target", "127.0.0.1"}},
		{"rerun_finished", []string{"validate", "noop", "--target", "127.0.0.1"}},
		{"broker_insecure", []string{"serve", "--token", "tok", "--injector-id", "00000000-0000-4000-8000-000000000000",
			"--openaev-url", "http://127.0.0.1:1", "--listen-addr", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			for _, value := range []string{`""`, `''`} {
				cfg := writeFile(t, "c.yaml", "log_level: error\n"+tt.key+": "+value+"\n")
				r := run(t, registry(), nil, append(tt.args, "--config", cfg)...)
				want := `invalid ` + tt.key + ` "" (config file ` + cfg + `:2): not a boolean`
				if r.code != 2 || !strings.Contains(r.stderr, want) {
					t.Errorf("%s: %s: exit %d, want 2 saying %q:\n%s", tt.key, value, r.code, want, r.stderr)
				}
			}
			if tt.args[0] == "serve" {
				return // left out, serve would start
			}
			cfg := writeFile(t, "c.yaml", tt.key+":\n")
			if r := run(t, registry(), nil, append(tt.args, "--config", cfg)...); r.code != 0 {
				t.Errorf("%s: (null): exit %d, want 0 (as if left out):\n%s", tt.key, r.code, r.stderr)
			}
		})
	}
}
