package cli_test

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// outbox flush and retry-dead refuse a CA file they cannot use as every
// other command does: exit 2 naming the file and where it was given, the
// outbox as it was, nothing sent.
func TestOutboxSendRefusesCAFile(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db"), "INJECTKIT_TOKEN": "tok-ca-1"}
	keepInOutbox(t, env, "inj-pending", be.URL)
	be.set(http.StatusBadRequest)
	keepInOutbox(t, env, "inj-dead", be.URL)
	list := run(t, registry(), env, "outbox", "list")
	m := regexp.MustCompile(`(?m)^(\d+)\s+dead`).FindStringSubmatch(list.stdout)
	if m == nil || !strings.Contains(list.stdout, "1 pending, 1 dead") {
		t.Fatalf("outbox list:\n%s", list.stdout)
	}
	be.set(http.StatusOK)
	sent := len(be.got())

	dir := t.TempDir()
	notPEM := writeFile(t, "ca.txt", "not a certificate\n")
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name, path, where string
		env               bool // given as INJECTKIT_CA_FILE rather than --ca-file
	}{
		{"a directory", dir, "--ca-file", false},
		{"a missing file", missing, "--ca-file", false},
		{"no PEM certificate", notPEM, "--ca-file", false},
		{"a directory, from the environment", dir, "env INJECTKIT_CA_FILE", true},
	}
	for _, cmd := range [][]string{{"outbox", "flush"}, {"outbox", "retry-dead", m[1]}} {
		for _, tt := range tests {
			t.Run(strings.Join(cmd[:2], " ")+"/"+tt.name, func(t *testing.T) {
				args := append(append([]string{}, cmd...), "--backend-url", be.URL)
				e := env
				if tt.env {
					e = map[string]string{"INJECTKIT_CA_FILE": tt.path}
					for k, v := range env {
						e[k] = v
					}
				} else {
					args = append(args, "--ca-file", tt.path)
				}
				r := run(t, registry(), e, args...)
				want := `invalid ca_file "` + tt.path + `" (` + tt.where + `): `
				if r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) {
					t.Errorf("exit %d, want %d and %q in stderr:\n%s", r.code, cli.ExitUsage, want, r.stderr)
				}
				if n := len(be.got()); n != sent {
					t.Errorf("%d requests sent, want none", n-sent)
				}
				if l := run(t, registry(), env, "outbox", "list"); !strings.Contains(l.stdout, "1 pending, 1 dead") {
					t.Errorf("outbox changed:\n%s", l.stdout)
				}
			})
		}
	}
}
