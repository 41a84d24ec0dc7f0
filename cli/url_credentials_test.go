package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// A backend URL's user:password goes as a Basic Authorization header when
// no token is given: a 401 then names them, not a token, and the flush
// hint says to give them right. Given with a token, whose Bearer header
// would replace them without a word, they are refused (exit 2, nothing
// sent) by run, validate and outbox flush.
func TestBackendURLCredentials(t *testing.T) {
	be := newSwitchable(t, http.StatusUnauthorized)
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	withUser := strings.Replace(be.URL, "http://", "http://bob:Wr0ngPw96@", 1)
	r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-basic", "--target", "127.0.0.1", "--backend-url", withUser, "--log-level", "error")
	want := "delivery failed: the backend refused the backend URL's user:password (401 or 403); 1 signature body stored in outbox " + box +
		" (flush with the right user:password in --backend-url: "
	if r.code != 1 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "token") || strings.Contains(r.stderr, "Wr0ngPw96") {
		t.Errorf("exit %d, want 1 and %q:\n%s", r.code, want, r.stderr)
	}
	if got := be.got(); len(got) != 1 || !strings.HasPrefix(got[0].Auth, "Basic ") {
		t.Fatalf("requests %+v, want one with Basic credentials", got)
	}
	f := run(t, registry(), env, "outbox", "flush", "--backend-url", withUser, "--log-level", "error")
	if !strings.Contains(f.stderr, "flush incomplete: the backend refused the backend URL's user:password (401 or 403): 1 signature body left pending, "+
		"not moved to the dead list (flush again with the right user:password in --backend-url)") {
		t.Errorf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
	sent := len(be.got())
	refusal := `invalid backend_url "` + strings.Replace(be.URL, "http://", "http://REDACTED@", 1) + `" (--backend-url): holds a user:password while a token is given`
	for _, args := range [][]string{
		{"run", "noop", "--inject-id", "inj-both", "--target", "127.0.0.1", "--backend-url", withUser, "--token", "t0ken-of-the-run"},
		{"validate", "noop", "--inject-id", "inj-both", "--target", "127.0.0.1", "--backend-url", withUser, "--token", "t0ken-of-the-run"},
		{"outbox", "flush", "--backend-url", withUser, "--token", "t0ken-of-the-run"},
	} {
		r := run(t, registry(), env, args...)
		if r.code != 2 || !strings.Contains(r.stderr, refusal) || strings.Contains(r.stderr, "Wr0ngPw96") {
			t.Errorf("%s: exit %d, want 2 and %q:\n%s", args[0], r.code, refusal, r.stderr)
		}
	}
	if n := len(be.got()) - sent; n != 0 {
		t.Errorf("%d requests sent with both credentials", n)
	}
}
