package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// A token shorter than 8 characters is hardly a real one, and redacting it
// wherever it stands as a word garbles the logs ("outbox" in every hint):
// one WARN line says so; a longer token gets none.
func TestShortTokenWarns(t *testing.T) {
	const warn = "the token is shorter than 8 characters, hardly a real one"
	for _, tc := range []struct {
		token string
		warns bool
	}{
		{"T", true},
		{"outbox", true},
		{"abcdefg", true},
		{"abcdefgh", false},
	} {
		t.Run(tc.token, func(t *testing.T) {
			be := newBackend(t, http.StatusOK)
			env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db")}
			r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-short", "--target", "127.0.0.1",
				"--backend-url", be.URL, "--token", tc.token)
			if r.code != 0 || strings.Count(r.stderr, warn) != map[bool]int{true: 1, false: 0}[tc.warns] {
				t.Errorf("exit %d, want 0 and the WARN %v:\n%s", r.code, tc.warns, r.stderr)
			}
		})
	}
}
