package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A flush whose --backend-url names no backend the outbox holds anything
// for, while it holds pending bodies of others, is a mistyped URL: exit
// 2 before anything is sent, naming the URL as given (without its
// user:password) and where, and the backends the pending bodies wait
// for; the outbox is left as it was. A backend the outbox knows (a dead
// body, the record of an incomplete send, a tenant's callback), or an
// outbox with nothing pending for any other, is flushed as before.
func TestFlushOfABackendTheOutboxHoldsNothingFor(t *testing.T) {
	stored := newSwitchable(t, http.StatusOK) // the backend the bodies were stored for
	typo := newSwitchable(t, http.StatusOK)   // the one a mistyped URL names
	const password = "PASSWD_delta"
	typoURL := typo.URL + "/bsae"
	withUser := strings.Replace(typoURL, "http://", "http://bob:"+password+"@", 1)
	conf := writeFile(t, "c.yaml", "backend_url: "+withUser+"\n")
	callback := func(id, base string) outbox.Entry {
		return outbox.Entry{InjectID: id, Phase: "p", BaseURL: base, Body: []byte(`{}`)}
	}
	terminal := func(id, base string) outbox.Entry {
		return outbox.Entry{InjectID: id, Phase: "execution_complete", BaseURL: base, Body: []byte(`{}`),
			Profile: openaev.ProfileName, Path: "/api/injects/execution/callback/" + id}
	}
	dead := func(t *testing.T, box string, e outbox.Entry) {
		recs := storeBodies(t, box, e)
		withStore(t, box, func(s *outbox.Store) error {
			return s.MoveToDead(recs[0].ID, 1, http.StatusBadRequest, "refused", "answer 400")
		})
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, box string)
		env   map[string]string
		args  []string
		code  int
		want  string // in stderr for exit 2, in stdout otherwise
	}{
		{"mistyped flag", func(t *testing.T, box string) {
			storeBodies(t, box, callback("inj-a", stored.URL), callback("inj-b", stored.URL), terminal("inj-c", stored.URL+"/oaev"))
		}, nil, []string{"--backend-url", typoURL}, 2,
			"nothing sent: outbox BOX holds no body stored for --backend-url " + typoURL + "; it holds pending bodies for: " +
				stored.URL + " (2 signature bodies), " + stored.URL + "/oaev (1 terminal callback body) (check the URL; flush those " +
				"with their own --backend-url and token, given by INJECTKIT_TOKEN, the config file's token or --token; or, if their backend " +
				"moved to this URL, give them this one first with: injectkit outbox move --outbox BOX --from OLD --to " + typoURL + ")"},
		{"mistyped with a user:password, from the environment", func(t *testing.T, box string) {
			storeBodies(t, box, callback("inj-a", stored.URL))
		}, map[string]string{"INJECTKIT_BACKEND_URL": withUser}, nil, 2,
			"holds no body stored for env INJECTKIT_BACKEND_URL " + typoURL + "; it holds pending bodies for: " + stored.URL + " (1 signature body) " +
				"(check the URL; flush those with their own --backend-url and token, given by INJECTKIT_TOKEN, the config file's token or --token; " +
				"or, if their backend moved to this URL, give them this one first with: injectkit outbox move --outbox BOX --from " + stored.URL +
				" --to " + typoURL + ")"},
		{"mistyped in a config file", func(t *testing.T, box string) {
			storeBodies(t, box, callback("inj-a", stored.URL))
		}, nil, []string{"--config", conf}, 2,
			"holds no body stored for backend_url (config file " + conf + ":1) " + typoURL + ";"},
		{"the backend of a dead body", func(t *testing.T, box string) {
			storeBodies(t, box, callback("inj-a", stored.URL))
			dead(t, box, callback("inj-d", typoURL))
		}, nil, []string{"--backend-url", typoURL}, 0,
			"1 signature body for " + stored.URL + " left pending: not the backend of --backend-url " + typoURL},
		{"the backend of an incomplete send", func(t *testing.T, box string) {
			storeBodies(t, box, callback("inj-a", stored.URL))
			lostSend(t, box, typoURL, 40)
		}, nil, []string{"--backend-url", typoURL}, 1, "send 40 (inject inj-lost, phase execution_complete, " + typoURL + ") incomplete"},
		{"the backend of a tenant's callback", func(t *testing.T, box string) {
			storeBodies(t, box, callback("inj-a", stored.URL), outbox.Entry{InjectID: "inj-t", Phase: "execution_complete", BaseURL: typoURL,
				Body: []byte(`{}`), Profile: openaev.ProfileName, Path: "/api/tenants/t1/injects/execution/callback/inj-t"})
		}, nil, []string{"--backend-url", typoURL}, 0, "1 left pending for other backends"},
		{"the backend spelt otherwise", func(t *testing.T, box string) {
			storeBodies(t, box, callback("inj-a", stored.URL))
			dead(t, box, callback("inj-d", typoURL))
		}, nil, []string{"--backend-url", strings.ToUpper(typo.URL[:4]) + typo.URL[4:] + "/bsae/"}, 0, "0 delivered, 0 still pending"},
		{"nothing pending for another backend", func(t *testing.T, box string) {
			dead(t, box, callback("inj-d", stored.URL))
		}, nil, []string{"--backend-url", typoURL}, 0, "0 delivered, 0 still pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			box := filepath.Join(t.TempDir(), "outbox.db")
			tt.setup(t, box)
			before := listOutbox(t, map[string]string{"INJECTKIT_OUTBOX": box})
			sentStored, sentTypo := len(stored.got()), len(typo.got())
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			for k, v := range tt.env {
				env[k] = v
			}
			r := run(t, registry(), env, append([]string{"outbox", "flush", "--log-level", "error"}, tt.args...)...)
			checkNotShown(t, r, password)
			want := strings.ReplaceAll(tt.want, "BOX", box)
			out := r.stdout
			if tt.code == 2 {
				out = r.stderr
				if r.stdout != "" {
					t.Errorf("stdout of a refused flush: %q", r.stdout)
				}
			}
			if r.code != tt.code || !strings.Contains(out, want) {
				t.Fatalf("exit %d, want %d and %q:\nstdout %s\nstderr %s", r.code, tt.code, want, r.stdout, r.stderr)
			}
			if n, m := len(stored.got())-sentStored, len(typo.got())-sentTypo; n+m != 0 {
				t.Errorf("%d requests to the stored backend, %d to the one named, want none", n, m)
			}
			if after := listOutbox(t, map[string]string{"INJECTKIT_OUTBOX": box}); after.Pending != before.Pending || after.Dead != before.Dead {
				t.Errorf("outbox changed: %d pending, %d dead; was %d, %d", after.Pending, after.Dead, before.Pending, before.Dead)
			}
		})
	}
}
