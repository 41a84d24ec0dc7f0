package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// A backend whose bodies were all delivered is still one the outbox was
// given: flushing it again (a second flush, a flush once a run's delivery
// recovered, one racing another, a cron job's) sends nothing and exits
// 0, whatever the outbox holds pending for other backends; it is not the
// mistyped URL TestFlushOfABackendTheOutboxHoldsNothingFor refuses. So
// is the URL bodies were moved to, once they were delivered there; the URL
// they were moved from, which the outbox holds nothing for any more, is
// refused as a mistyped one.
func TestFlushOfABackendAlreadyFlushed(t *testing.T) {
	callbackEntry := func(id, base string) outbox.Entry {
		return outbox.Entry{InjectID: id, Phase: "p", BaseURL: base, Body: []byte(`{}`)}
	}
	a, b, c := newSwitchable(t, 200), newSwitchable(t, 200), newSwitchable(t, 200)
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": "token-of-a-1234"}
	storeBodies(t, box, callbackEntry("inj-a", a.URL), callbackEntry("inj-b", b.URL), callbackEntry("inj-m", c.URL+"/old"))
	flush := func(url string, code int, want string) {
		t.Helper()
		r := run(t, registry(), env, "outbox", "flush", "--log-level", "error", "--backend-url", url)
		out := r.stdout
		if code == 2 {
			out = r.stderr
		}
		if r.code != code || !strings.Contains(out, want) {
			t.Fatalf("flush %s: exit %d, want %d and %q:\nstdout %s\nstderr %s", url, r.code, code, want, r.stdout, r.stderr)
		}
	}
	flush(a.URL, 0, "1 delivered, 0 still pending")
	flush(a.URL, 0, "0 delivered, 0 still pending")
	if n := len(a.got()); n != 1 {
		t.Errorf("backend a got %d requests, want 1", n)
	}
	if n := len(b.got()); n != 0 {
		t.Errorf("backend b got %d requests, want none", n)
	}
	if r := run(t, registry(), env, "outbox", "move", "--from", c.URL+"/old", "--to", c.URL+"/new"); r.code != 0 {
		t.Fatalf("move: exit %d: %s", r.code, r.stderr)
	}
	flush(c.URL+"/new", 0, "1 delivered, 0 still pending")
	flush(c.URL+"/new", 0, "0 delivered, 0 still pending")
	flush(c.URL+"/old", 2, "holds no body stored for --backend-url "+c.URL+"/old")
	if n := len(c.got()); n != 1 {
		t.Errorf("backend c got %d requests, want 1", n)
	}
}
