package cli_test

import (
	"net/http"
	neturl "net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// outbox flush and retry-dead, run by hand or from cron with the token
// of the run that kept the bodies, show their command line in ps as run
// and serve do: a --token, or the user:password of a --backend-url, gets
// the one WARN line run gives, naming the flag and never the value; a
// secret the environment gives gets none. Both still deliver.
func TestOutboxSendWarnsOfASecretOnTheCommandLine(t *testing.T) {
	const secret = `a"b\c/d+e=f%gOBXq7wR2k9`
	const tokenWarn = "WARN\tthe token given by --token shows in ps (/proc/PID/cmdline) to every local user while the process runs, and in the shell's history: give it by INJECTKIT_TOKEN or the config file's token"
	const urlWarn = "WARN\tthe credentials (user:password@) of the URL given by --backend-url show in ps (/proc/PID/cmdline) to every local user while the process runs, and in the shell's history: give the URL by INJECTKIT_BACKEND_URL or the config file's backend_url"
	for _, tt := range []struct {
		name  string
		creds bool // the secret as the URL's password, not the token
		flag  bool // given by a flag, not the environment
		want  string
	}{
		{"token by flag", false, true, tokenWarn},
		{"token by the environment", false, false, ""},
		{"URL credentials by flag", true, true, urlWarn},
		{"URL credentials by the environment", true, false, ""},
	} {
		for _, cmd := range []string{"flush", "retry-dead"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				be := newBackend(t, http.StatusOK)
				box := filepath.Join(t.TempDir(), "outbox.db")
				var id string
				withStore(t, box, func(s *outbox.Store) error {
					recs, err := s.Put(outbox.Entry{InjectID: "inj-args", Phase: "p", BaseURL: be.URL, Body: []byte(`{}`)})
					if err != nil || cmd != "retry-dead" {
						return err
					}
					id = strconv.FormatUint(recs[0].ID, 10)
					return s.MoveToDead(recs[0].ID, 1, http.StatusBadRequest, "refused", "answer 400")
				})
				url, env := be.URL, map[string]string{"INJECTKIT_OUTBOX": box}
				var args []string
				switch {
				case tt.creds:
					url = strings.Replace(be.URL, "://", "://"+neturl.UserPassword("user", secret).String()+"@", 1)
				case tt.flag:
					args = append(args, "--token", secret)
				default:
					env["INJECTKIT_TOKEN"] = secret
				}
				if tt.flag {
					args = append(args, "--backend-url", url)
				} else {
					env["INJECTKIT_BACKEND_URL"] = url
				}
				if id != "" {
					args = append([]string{id}, args...)
				}
				r := run(t, registry(), env, append([]string{"outbox", cmd, "--log-level", "warn"}, args...)...)
				if r.code != 0 {
					t.Fatalf("exit %d, want 0:\n%s%s", r.code, r.stdout, r.stderr)
				}
				if n := len(be.got()); n != 1 {
					t.Errorf("%d bodies delivered, want 1", n)
				}
				switch n := strings.Count(r.stderr, " in ps (/proc/PID/cmdline)"); {
				case tt.want == "" && n != 0:
					t.Errorf("warned of the command line, want no such line:\n%s", r.stderr)
				case tt.want != "" && (n != 1 || !strings.Contains(r.stderr, tt.want)):
					t.Errorf("%d lines of the command line, want the one %q:\n%s", n, tt.want, r.stderr)
				}
				// The secret, and its tail, which any encoding of it holds.
				for _, s := range []string{secret, "gOBXq7wR2k9"} {
					if strings.Contains(r.stdout+r.stderr, s) {
						t.Errorf("secret (%q) shown:\n%s%s", s, r.stdout, r.stderr)
					}
				}
			})
		}
	}
}
