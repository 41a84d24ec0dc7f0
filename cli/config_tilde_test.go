package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A path setting starting with ~ (outbox, ca_file, targets_file,
// inject_file, from a config file, the environment or a quoted flag; the
// config file's own path, --config or INJECTKIT_CONFIG) is
// refused, exit 2, nothing made: no shell expands it there, and the outbox
// was made under a directory literally named ~ in the working directory
// (the others looked for one).
func TestPathSettingLeadingTildeRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		file string // the config file, "" for none
		env  map[string]string
		args []string
		want string
	}{
		{"outbox, config file", "outbox: ~/ob.db\n", nil, []string{"outbox", "list"}, `invalid outbox "~/ob.db" (config file {cfg}:1)`},
		{"outbox ~, config file", "outbox: \"~\"\n", nil, []string{"outbox", "list"}, `invalid outbox "~" (config file {cfg}:1)`},
		{"outbox, env", "", map[string]string{"INJECTKIT_OUTBOX": "~/ob.db"}, []string{"outbox", "list"}, `invalid outbox "~/ob.db" (env INJECTKIT_OUTBOX)`},
		{"ca_file, config file", "ca_file: ~/ca.pem\n", nil, []string{"outbox", "flush"}, `invalid ca_file "~/ca.pem" (config file {cfg}:1)`},
		{"targets_file, config file", "targets_file: ~user/t.txt\n", nil, []string{"run", "noop", "--outbox", "none"}, `invalid targets_file "~user/t.txt" (config file {cfg}:1)`},
		{"inject_file, flag", "", nil, []string{"run", "--inject-file", "~/i.json"}, `invalid inject_file "~/i.json" (--inject-file)`},
		{"config, flag", "", nil, []string{"outbox", "list", "--config", "~/c.yaml"}, `invalid config "~/c.yaml" (--config)`},
		{"config, env", "", map[string]string{"INJECTKIT_CONFIG": "~/c.yaml"}, []string{"outbox", "list"}, `invalid config "~/c.yaml" (env INJECTKIT_CONFIG)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := tt.args
			cfg := filepath.Join(dir, "c.yaml")
			if tt.file != "" {
				if err := os.WriteFile(cfg, []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append(append([]string(nil), args...), "--config", cfg)
			}
			r := run(t, registry(), tt.env, args...)
			want := strings.ReplaceAll(tt.want, "{cfg}", cfg)
			if r.code != 2 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "a leading ~ is not expanded here") {
				t.Errorf("exit %d, want 2 and %q:\n%s%s", r.code, want, r.stdout, r.stderr)
			}
			if _, err := os.Stat("~"); err == nil {
				t.Errorf("a directory ~ was made in the working directory")
			}
		})
	}
}
