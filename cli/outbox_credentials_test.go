package cli_test

import (
	"encoding/base64"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The outbox keeps no credentials: the run's line says to add them back,
// and flush and retry-dead given the URL with them send them (Basic), as
// the run did.
func TestOutboxResendsWithTheGivenCredentials(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	withCreds := strings.Replace(be.URL, "://", "://user:S3CRETPW@", 1)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:S3CRETPW"))
	env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "cred.db")}
	for _, tt := range []struct {
		code int
		// hint is what the run's line says about the resending command.
		hint string
		// resend is the command that sends the stored body again.
		resend func(list string) []string
	}{
		{http.StatusServiceUnavailable, "(flush with: injectkit outbox flush --outbox ", func(string) []string {
			return []string{"outbox", "flush"}
		}},
		{http.StatusBadRequest, "resend with: injectkit outbox retry-dead <id> --outbox ", func(list string) []string {
			id := regexp.MustCompile(`(?m)^(\d+)\s+dead`).FindStringSubmatch(list)
			if id == nil {
				t.Fatalf("no dead id in\n%s", list)
			}
			return []string{"outbox", "retry-dead", id[1]}
		}},
	} {
		be.set(tt.code)
		r := run(t, registry(), env, "run", "noop", "--inject-id", "tD-cred", "--target", "127.0.0.1", "--backend-url", withCreds, "--log-level", "error")
		if want := " --backend-url " + be.URL + ", adding the URL's user:password (not shown)"; r.code != 1 || !strings.Contains(r.stderr, tt.hint) || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "S3CRETPW") {
			t.Fatalf("run against %d: exit %d, want the line to say %q without the password:\n%s", tt.code, r.code, want, r.stderr)
		}
		be.set(http.StatusOK)
		sent := len(be.got())
		args := append(tt.resend(run(t, registry(), env, "outbox", "list").stdout), "--backend-url", withCreds, "--log-level", "error")
		if f := run(t, registry(), env, args...); f.code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", args[1], f.code, f.stdout, f.stderr)
		}
		for _, req := range be.got() {
			if req.Auth != basic {
				t.Errorf("%s: a request carried Authorization %q, want the URL's credentials", args[1], req.Auth)
			}
		}
		if n := len(be.got()) - sent; n != 1 {
			t.Errorf("%s sent %d requests, want 1", args[1], n)
		}
	}
}
