package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport/outbox"
)

// An outbox a newer version marked with a later format is refused by every
// command, exit 2, naming the file and its mark and saying to use that
// version: it is not called corrupt, and nothing is sent.
func TestOutboxOfANewerVersion(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	box := filepath.Join(t.TempDir(), "outbox.db")
	s, err := outbox.Open(box, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(outbox.Entry{InjectID: "kept", Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	const mark = "injectkit-outbox/9"
	editOutbox(t, box, func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("format"), []byte(mark)) })
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	for _, args := range [][]string{
		{"outbox", "list"},
		{"outbox", "flush", "--backend-url", be.URL},
		{"outbox", "retry-dead", "1", "--backend-url", be.URL},
		{"outbox", "drop", "1"},
		{"run", "noop", "--inject-id", "inj-n", "--target", "127.0.0.1", "--backend-url", be.URL},
	} {
		r := run(t, registry(), env, args...)
		if r.code != 2 || strings.Contains(r.stderr, "corrupt") {
			t.Errorf("%v: exit %d, want 2, not corrupt: %s", args, r.code, r.stderr)
		}
		for _, want := range []string{box, `"` + mark + `"`, "written by a newer injectkit; use that version or drain it with it"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: stderr lacks %q: %s", args, want, r.stderr)
			}
		}
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
