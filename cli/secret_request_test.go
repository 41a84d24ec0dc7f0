package cli_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// An inject id, a target or a phase holding the backend token is refused before
// anything runs (exit 2, nothing sent, nothing stored), its value
// withheld, as a target holding an injector's Secret setting is: it went
// on, the token in the callback's URL and body, in the outbox file (4
// times) and in outbox list's INJECT column, the logs alone redacting it.
// With the openaev profile, an inject id holding it gets no reception nor
// INVALID_USAGE, as their paths would hold it.
func TestRequestHoldingTheTokenRefused(t *testing.T) {
	const token = "tok-9f3Kq27vLxP8"
	for _, tt := range []struct {
		name, field string
		args        []string
	}{
		{"inject id", "inject", []string{"--inject-id", token, "--target", "127.0.0.1"}},
		{"inject id holding it", "inject", []string{"--inject-id", "run-" + token + "-1", "--target", "127.0.0.1"}},
		{"target host name", "target", []string{"--inject-id", "inj-1", "--target", token + ".example.com"}},
		// The phase is in every body, its Idempotency-Key and the
		// outbox's record (outbox list's PHASE column).
		{"phase", "phase (value withheld) (--phase)", []string{"--inject-id", "inj-1", "--target", "127.0.0.1", "--phase", token, "--phase-any"}},
		{"phase holding it", "phase (value withheld) (--phase)", []string{"--inject-id", "inj-1", "--target", "127.0.0.1", "--phase", "done-" + token}},
		{"phase of the inject file", ".json:1:28: invalid phase (value withheld)", []string{"--inject-id", "inj-1", "--phase-any", "--inject-file",
			writeFile(t, "phase.json", `{"injector":"noop","phase":"`+token+`","targets":[{"value":"127.0.0.1"}]}`)}},
		// No reception nor INVALID_USAGE either, whose paths name the
		// inject: they carried the token to the platform.
		{"inject id, openaev profile", "inject", []string{"--inject-id", "run-" + token, "--target", "127.0.0.1",
			"--profile", "openaev", "--openaev-version", "2.4.0"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			be := newBackend(t, http.StatusOK)
			box := filepath.Join(t.TempDir(), "outbox.db")
			env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": token}
			r := run(t, registry(), env, append([]string{"run", "noop", "--backend-url", be.URL}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, "holds a secret") || !strings.Contains(r.stderr, tt.field) {
				t.Errorf("exit %d, want 2 naming the %s as holding a secret:\n%s%s", r.code, tt.field, r.stdout, r.stderr)
			}
			nothingOfToken(t, r, be, box, token)
		})
	}
}

// A platform message whose inject id holds the token is refused as an
// --inject-id holding it is, before the platform is asked anything: its
// reception and INVALID_USAGE carried the token in their paths, and the
// outbox file held it.
func TestMessageInjectIDHoldingTheTokenRefused(t *testing.T) {
	const token = "tok-9f3Kq27vLxP8"
	be := newBackend(t, http.StatusOK)
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": token}
	msg := oneAssetMessage(t, "m-"+token, openaev.ContractID("noop"))
	r := run(t, registry(), env, "run", "noop", "--openaev-message", msg, "--openaev-version", "2.4.0", "--backend-url", be.URL)
	if r.code != 2 || !strings.Contains(r.stderr, "invalid inject_id (value withheld)") || !strings.Contains(r.stderr, msg) {
		t.Errorf("exit %d, want 2 naming the message file and its inject id as holding a secret:\n%s%s", r.code, r.stdout, r.stderr)
	}
	nothingOfToken(t, r, be, box, token)
}

// nothingOfToken fails t if r shows token, if be was sent anything, or if
// the outbox file box holds token.
func nothingOfToken(t *testing.T, r result, be *backend, box, token string) {
	t.Helper()
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Errorf("the token shown:\n%s%s", r.stdout, r.stderr)
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	if b, err := os.ReadFile(box); err == nil && strings.Contains(string(b), token) {
		t.Errorf("the token stored in the outbox file")
	}
}

// A target holding the password of the proxy in HTTPS_PROXY (a secret at
// any length: a proxy's refusal may quote it) is refused naming that
// variable, not "a secret the injector's libraries read" of an injector
// (noop) that reads none.
func TestTargetHoldingTheProxyPasswordNamesTheVariable(t *testing.T) {
	for _, name := range []string{"HTTPS_PROXY", "http_proxy"} {
		t.Run(name, func(t *testing.T) {
			for _, v := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
				t.Setenv(v, "")
			}
			t.Setenv(name, "http://u:hunter@127.0.0.1:9")
			be := newBackend(t, http.StatusOK)
			box := filepath.Join(t.TempDir(), "outbox.db")
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box},
				"run", "noop", "--backend-url", be.URL, "--inject-id", "inj-1", "--target", "hunter.example")
			want := "holds a secret, the credentials of the proxy in the environment variable " + name
			if r.code != 2 || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s%s", r.code, want, r.stdout, r.stderr)
			}
		})
	}
}

// A base URL holding the token in its host or path is refused before
// anything runs or is sent (exit 2, nothing stored), its value withheld,
// as an inject id holding it is: the outbox keeps the URL as the record's
// backend, which outbox list's OWNER column showed in full and the file
// held in clear, and a failed run's flush command named it with the
// token [REDACTED], a command that could not be run. serve refuses an
// --openaev-url holding it so.
func TestBaseURLHoldingTheTokenRefused(t *testing.T) {
	const token = "tok-9f3Kq27vLxP8"
	be := newBackend(t, http.StatusServiceUnavailable)
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"run, path", nil, []string{"run", "noop", "--target", "127.0.0.1", "--inject-id", "inj-1", "--backend-url", be.URL + "/" + token},
			"invalid backend_url (value withheld) (--backend-url): holds a secret"},
		{"validate, path segment holding it", nil, []string{"validate", "noop", "--target", "127.0.0.1", "--inject-id", "inj-1", "--backend-url", be.URL + "/hook-" + token + "/x"},
			"invalid backend_url (value withheld) (--backend-url): holds a secret"},
		{"run, from the environment", map[string]string{"INJECTKIT_BACKEND_URL": be.URL + "/" + token}, []string{"run", "noop", "--target", "127.0.0.1", "--inject-id", "inj-1"},
			"invalid backend_url (value withheld) (env INJECTKIT_BACKEND_URL): holds a secret"},
		{"run, the openaev profile", nil, []string{"run", "noop", "--target", "127.0.0.1", "--inject-id", "inj-1", "--profile", "openaev", "--openaev-version", "2.4.0",
			"--backend-url", be.URL + "/" + token}, "invalid backend_url (value withheld) (--backend-url): holds a secret"},
		// Its outbox under a file, which it refuses after the URL: it
		// exits either way, and only the URL's refusal is the one wanted.
		{"serve", map[string]string{"INJECTKIT_OUTBOX": filepath.Join(writeFile(t, "file", ""), "outbox.db")},
			[]string{"serve", "--openaev-url", be.URL + "/" + token, "--injector-id", injectorID, "--injectors", "noop", "--listen-addr", ""},
			"invalid openaev_url (value withheld) (--openaev-url): holds a secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			box := filepath.Join(t.TempDir(), "outbox.db")
			env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": token}
			for k, v := range tt.env {
				env[k] = v
			}
			box = env["INJECTKIT_OUTBOX"]
			r := run(t, registry(), env, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s%s", r.code, tt.want, r.stdout, r.stderr)
			}
			nothingOfToken(t, r, be, box, token)
			if _, err := os.Stat(box); err == nil {
				t.Errorf("outbox file %s created, want none", box)
			}
		})
	}
}
