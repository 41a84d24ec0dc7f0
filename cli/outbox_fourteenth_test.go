package cli_test

import (
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// A flush that leaves the bodies of another backend pending names the
// configured backend without its user:password, wherever the URL was
// given: flag, environment or config file.
func TestFlushOtherBackendsHidesCredentials(t *testing.T) {
	down := newSwitchable(t, http.StatusServiceUnavailable)
	box := filepath.Join(t.TempDir(), "outbox.db")
	if r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": "tok-a"}, "run", "noop",
		"--inject-id", "inj-a", "--target", "127.0.0.1", "--backend-url", down.URL, "--log-level", "error"); r.code != 1 {
		t.Fatalf("run: exit %d, want 1 (stored)\n%s", r.code, r.stderr)
	}
	const password = "PASSWD_charlie"
	other := newSwitchable(t, http.StatusOK)
	withUser := strings.Replace(other.URL, "http://", "http://bob:"+password+"@", 1) + "/base"
	shown := other.URL + "/base"
	conf := writeFile(t, "c.yaml", "backend_url: "+withUser+"\n")
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		given string
	}{
		{"flag", nil, []string{"--backend-url", withUser}, "--backend-url"},
		{"env", map[string]string{"INJECTKIT_BACKEND_URL": withUser}, nil, "INJECTKIT_BACKEND_URL"},
		{"config file", nil, []string{"--config", conf}, "backend_url (config file " + conf + ":1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			maps.Copy(env, tt.env)
			args := append([]string{"outbox", "flush", "--token", "tok-c", "--log-level", "debug"}, tt.args...)
			r := run(t, registry(), env, args...)
			if strings.Contains(r.stdout+r.stderr, password) {
				t.Errorf("the password is printed:\n%s%s", r.stdout, r.stderr)
			}
			want := "1 signature body for " + down.URL + " left pending: not the backend of " + tt.given + " " + shown + " ("
			if r.code != 0 || !strings.Contains(r.stdout, want) {
				t.Errorf("exit %d, want 0 and %q:\n%s%s", r.code, want, r.stdout, r.stderr)
			}
		})
	}
}
