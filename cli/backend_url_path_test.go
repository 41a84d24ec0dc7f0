package cli_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// A backend URL whose path would not be sent as written (a space, which
// net/url sends as %20; a backslash; an encoded separator) or would be
// resolved away by the server (a dot segment, an empty one) is refused
// before anything is sent or stored, exit 2, naming the setting, where it
// was given and the URL, its password never shown: from a flag, the
// environment or the config file, by every command that posts. It was
// taken and posted to /a%20b/api/….
func TestBackendURLPathRefused(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	u, _ := url.Parse(be.URL)
	withPassword := "http://svc:Zq9PathSecret@" + u.Host
	tests := []struct {
		name, path, why string
	}{
		{"space", "/a b", `the path holds ' ' at byte 2, which a URL does not hold unescaped: it would be sent as %20`},
		{"backslash", `/a\b`, `the path holds '\\' at byte 2`},
		{"encoded slash", "/a%2Fb", "an encoded '/'"},
		{"dot segment", "/a/../b", `the dot segment ".."`},
		{"empty segment", "/a//b", "an empty segment"},
	}
	for _, tt := range tests {
		for _, src := range []string{"flag", "env", "file"} {
			for _, cmd := range [][]string{{"run", "noop", "--target", "127.0.0.1", "--inject-id", "inj-path"},
				{"validate", "noop", "--target", "127.0.0.1", "--inject-id", "inj-path"}, {"outbox", "flush"}} {
				t.Run(tt.name+"/"+src+"/"+cmd[0], func(t *testing.T) {
					box := filepath.Join(t.TempDir(), "outbox.db")
					raw := withPassword + tt.path
					env := map[string]string{"INJECTKIT_OUTBOX": box}
					args := append(append([]string{}, cmd...), "--log-level", "error")
					where := ""
					switch src {
					case "flag":
						args, where = append(args, "--backend-url", raw), "(--backend-url)"
					case "env":
						env["INJECTKIT_BACKEND_URL"], where = raw, "(env INJECTKIT_BACKEND_URL)"
					case "file":
						conf := writeFile(t, "c.yaml", "backend_url: '"+raw+"'\n")
						args, where = append(args, "--config", conf), "(config file "+conf+":1)"
					}
					r := run(t, registry(), env, args...)
					if r.code != 2 || !strings.Contains(r.stderr, `invalid backend_url "http://`+u.Host) ||
						!strings.Contains(r.stderr, where+": the path holds ") || !strings.Contains(r.stderr, tt.why) {
						t.Errorf("exit %d, want 2 naming backend_url %s and saying %q:\n%s", r.code, where, tt.why, r.stderr)
					}
					if strings.Contains(r.stdout+r.stderr, "Zq9PathSecret") {
						t.Errorf("the password shows:\n%s", r.stderr)
					}
					noOutboxFile(t, box)
				})
			}
		}
	}
	// serve's platform URL, by the same rule.
	r := run(t, registry(), map[string]string{"INJECTKIT_TOKEN": "tok-path-1"}, "serve", "--openaev-url", be.URL+"/a b",
		"--injector-id", "x", "--outbox", "none")
	if want := `(--openaev-url): the path holds ' '`; r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("serve: exit %d, want 2 saying %q:\n%s", r.code, want, r.stderr)
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}
