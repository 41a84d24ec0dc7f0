package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// A backend URL holding a byte that is not UTF-8 is refused before
// anything is sent or stored (exit 2, the setting and the URL named), as
// every other setting holding one is. It was taken: its bodies went to
// the byte percent-encoded (/%FF/api/…), while the logs and outbox list
// showed U+FFFD in its place, a URL that no flush matched.
func TestBackendURLNotUTF8Refused(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	url := be.URL + "/\xff"
	for _, args := range [][]string{
		{"run", "noop", "--target", "127.0.0.1", "--inject-id", "inj-utf8", "--backend-url", url},
		{"validate", "noop", "--target", "127.0.0.1", "--inject-id", "inj-utf8", "--backend-url", url},
		{"outbox", "flush", "--backend-url", url},
	} {
		box := filepath.Join(t.TempDir(), "outbox.db")
		r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, append(args, "--log-level", "error")...)
		want := `invalid backend_url "` + be.URL + `/\xff" (--backend-url): not valid UTF-8`
		if r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, want 2 saying %q; stderr %s", strings.Join(args[:2], " "), r.code, want, r.stderr)
		}
		noOutboxFile(t, box)
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}
