package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// run (and validate) refuse an outbox limit below the least that holds a
// result, as serve does, with serve's one check: exit 2 naming the
// setting, the value and where it was given; nothing is sent and nothing
// stored, the outbox not even created. run took it, and sent every
// result unstored with a WARN. With no outbox (none) the limit bounds
// nothing and is taken.
func TestRunRefusesOutboxBelowAnyResult(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	file := writeFile(t, "c.yaml", "outbox_max_bytes: 512\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" : taken, exit 0
	}{
		{"flag", nil, []string{"--outbox-max-bytes", "10"},
			`invalid outbox_max_bytes "10" (--outbox-max-bytes): must be at least 1024: a smaller outbox keeps next to no inject's result`},
		{"environment", map[string]string{"INJECTKIT_OUTBOX_MAX_BYTES": "1023"}, nil,
			`invalid outbox_max_bytes "1023" (env INJECTKIT_OUTBOX_MAX_BYTES): must be at least 1024`},
		{"config file", nil, []string{"--config", file}, `invalid outbox_max_bytes "512" (config file ` + file},
		{"openaev profile", nil, []string{"--profile", "openaev", "--outbox-max-bytes", "1000"},
			`invalid outbox_max_bytes "1000" (--outbox-max-bytes): must be at least 1024`},
		{"the least", nil, []string{"--outbox-max-bytes", "1024"}, ""},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"run", "validate"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				box := filepath.Join(t.TempDir(), "outbox.db")
				env := map[string]string{"INJECTKIT_OUTBOX": box}
				for k, v := range tt.env {
					env[k] = v
				}
				before := len(be.got())
				r := run(t, registry(), env, append([]string{cmd, "noop", "--inject-id", "inj-min", "--target", "127.0.0.1",
					"--backend-url", be.URL, "--log-level", "error"}, tt.args...)...)
				if tt.want == "" {
					if r.code != 0 {
						t.Fatalf("exit %d, want 0; stderr %s", r.code, r.stderr)
					}
					return
				}
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
					t.Fatalf("exit %d, want 2 saying %q; stderr %s", r.code, tt.want, r.stderr)
				}
				if n := len(be.got()) - before; n != 0 {
					t.Errorf("%d requests sent, want none", n)
				}
				noOutboxFile(t, box)
			})
		}
	}
	r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": "none"}, "run", "noop", "--inject-id", "inj-none",
		"--target", "127.0.0.1", "--backend-url", be.URL, "--outbox-max-bytes", "10", "--log-level", "error")
	if r.code != 0 {
		t.Errorf("--outbox none --outbox-max-bytes 10: exit %d, want 0; stderr %s", r.code, r.stderr)
	}
}
