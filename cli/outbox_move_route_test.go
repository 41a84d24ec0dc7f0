package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// `outbox move --to` a URL holding an API route (the callback URL a
// proxy's log shows) stored it as the bodies' base URL without a word,
// where every other command given such a backend URL warns: the next
// flush then posted to …/api/injects/x/callback/api/injects/…, and a 404
// moved every body to the dead list (tester t127). The move now warns as
// they do, naming --to and the root to give.
func TestOutboxMoveWarnsOfAnAPIRoute(t *testing.T) {
	t.Parallel()
	box := filepath.Join(t.TempDir(), "outbox.db")
	const from = "http://127.0.0.1:1"
	storeBodies(t, box, outbox.Entry{InjectID: "inj-a", Phase: "p", BaseURL: from, Body: []byte(`{}`)})
	m := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "move", "--from", from, "--to", "http://127.0.0.1:2/api/injects/x/callback")
	want := "the backend URL given by --to holds an API route (/api/injects/x/callback): give the platform's root URL (http://127.0.0.1:2)"
	if m.code != 0 || !strings.Contains(m.stderr, want) {
		t.Errorf("move: exit %d, want 0 and a WARN %q\n%s%s", m.code, want, m.stdout, m.stderr)
	}
	m = run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "move", "--from", "http://127.0.0.1:2/api/injects/x/callback", "--to", "http://127.0.0.1:2")
	if m.code != 0 || strings.Contains(m.stderr, "API route") {
		t.Errorf("move to the root: exit %d, want 0 and no WARN\n%s%s", m.code, m.stdout, m.stderr)
	}
}
