//go:build unix

package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A config file others may read (holding a secret) or change (whatever
// it holds: they would repoint backend_url) is used, but said so, naming
// the file and its mode, never the secret; one only its owner reads is
// used silently.
func TestConfigFileOthersWarned(t *testing.T) {
	const secret = "CFGTOKEN-secret-1234567890"
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		owner   int // chown to it (needs root), 0: left
		want    string
	}{
		{"token 0600", "token: " + secret + "\n", 0o600, 0, ""},
		{"token 0644", "token: " + secret + "\n", 0o644, 0, "holding a secret and readable by group and others (mode 0644)"},
		{"token 0640", "token: " + secret + "\n", 0o640, 0, "holding a secret and readable by group (mode 0640)"},
		{"token 0604", "token: " + secret + "\n", 0o604, 0, "holding a secret and readable by others (mode 0604)"},
		{"no secret 0644", "log_level: info\n", 0o644, 0, ""},
		{"no secret 0666", "log_level: info\n", 0o666, 0, "writable by group and others (mode 0666): they may change backend_url"},
		{"no secret 0620", "log_level: info\n", 0o620, 0, "writable by group (mode 0620)"},
		{"another user's", "log_level: info\n", 0o644, 65534, "owned by uid 65534, not this process's (uid 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.owner != 0 && os.Geteuid() != 0 {
				t.Skip("chown needs root")
			}
			dir := t.TempDir()
			cfg := filepath.Join(dir, "c.yaml")
			if err := os.WriteFile(cfg, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(cfg, tt.mode); err != nil {
				t.Fatal(err)
			}
			if tt.owner != 0 {
				if err := os.Chown(cfg, tt.owner, tt.owner); err != nil {
					t.Fatal(err)
				}
			}
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": filepath.Join(dir, "outbox.db")}, "outbox", "list", "--config", cfg)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
			}
			warned := strings.Contains(r.stderr, "config file others may read or change")
			if warned != (tt.want != "") || !strings.Contains(r.stderr, tt.want) || warned && !strings.Contains(r.stderr, cfg) {
				t.Errorf("stderr:\n%s\nwant a warning naming %s and %q: %t", r.stderr, cfg, tt.want, tt.want != "")
			}
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("the secret printed:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}
