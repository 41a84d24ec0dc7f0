package cli_test

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCAFileCheckedWithoutBackend checks that a CA file is read and
// checked whenever it is given, a backend or not: validate, a dry run and
// a flush without --backend-url exit 2 naming it and where it was given,
// before anything runs or an outbox is opened; a good one is accepted.
func TestCAFileCheckedWithoutBackend(t *testing.T) {
	srv := httptest.NewTLSServer(nil)
	t.Cleanup(srv.Close)
	good := writeFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	missing := filepath.Join(t.TempDir(), "nope.pem")
	notPEM := writeFile(t, "notca.pem", "not a certificate\n")
	dir := t.TempDir()
	box := filepath.Join(t.TempDir(), "box.db")
	line := []string{"noop", "--target", "10.0.0.1", "--log-level", "error"}
	commands := []struct {
		name string
		args []string
	}{
		{"validate", append([]string{"validate"}, line...)},
		{"dry run", append([]string{"run"}, line...)},
		{"dry run, openaev profile", append(append([]string{"run"}, line...), "--profile", "openaev")},
		{"flush without --backend-url", []string{"outbox", "flush", "--outbox", box}},
	}
	files := []struct {
		name, path, env string
		want            string // "" when accepted
	}{
		{"missing", missing, "", `invalid ca_file "` + missing + `" (--ca-file): no such file or directory`},
		{"missing, from env", "", missing, `invalid ca_file "` + missing + `" (env INJECTKIT_CA_FILE): no such file or directory`},
		{"a directory", dir, "", `invalid ca_file "` + dir + `" (--ca-file): is a directory`},
		{"no certificate", notPEM, "", `invalid ca_file "` + notPEM + `" (--ca-file): no PEM certificate found`},
		{"a CA", good, "", ""},
	}
	for _, c := range commands {
		for _, f := range files {
			t.Run(c.name+" "+f.name, func(t *testing.T) {
				args := c.args
				var env map[string]string
				if f.env != "" {
					env = map[string]string{"INJECTKIT_CA_FILE": f.env}
				} else {
					args = append(append([]string{}, args...), "--ca-file", f.path)
				}
				r := run(t, registry(), env, args...)
				if f.want == "" {
					if r.code != 0 {
						t.Fatalf("exit %d, want 0:\n%s", r.code, r.stderr)
					}
					return
				}
				if r.code != 2 || !strings.Contains(r.stderr, f.want) || r.stdout != "" {
					t.Errorf("exit %d, want 2 with %q and no stdout:\nstdout %q\nstderr %s", r.code, f.want, r.stdout, r.stderr)
				}
				if _, err := os.Stat(box); err == nil {
					t.Errorf("the outbox %s was opened", box)
				}
			})
		}
	}
}
