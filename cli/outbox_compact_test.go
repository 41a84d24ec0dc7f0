package cli_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A body delivered by a flush, or dropped, stays readable in the outbox
// file's freed pages (bbolt never overwrites them; a run compacts the
// file on its own only when most of it is free): `outbox compact` copies
// what the outbox holds into a new file, and the body is no longer in
// it. An outbox that does not exist has nothing to compact.
func TestOutboxCompactPurgesDeliveredBodies(t *testing.T) {
	const marker = "purge-marker-inject-5e1d"
	for _, gone := range []string{"flush", "drop"} {
		t.Run(gone, func(t *testing.T) {
			be := newSwitchable(t, http.StatusServiceUnavailable)
			box := filepath.Join(t.TempDir(), "outbox.db")
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			keepInOutbox(t, env, marker, be.URL)
			args := []string{"outbox", "drop", "1"}
			if gone == "flush" {
				be.set(http.StatusOK)
				args = []string{"outbox", "flush", "--backend-url", be.URL}
			}
			if r := run(t, registry(), env, args...); r.code != 0 {
				t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
			}
			if raw, _ := os.ReadFile(box); !bytes.Contains(raw, []byte(marker)) {
				t.Fatal("the body is not in the file once gone: the test proves nothing")
			}
			r := run(t, registry(), env, "outbox", "compact")
			if r.code != 0 || !strings.Contains(r.stdout, "outbox "+box+": compacted, ") {
				t.Fatalf("compact: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if raw, _ := os.ReadFile(box); bytes.Contains(raw, []byte(marker)) {
				t.Errorf("the body is still in the file after compact (%s)", r.stdout)
			}
			if r := run(t, registry(), env, "outbox", "list"); r.code != 0 || !strings.Contains(r.stdout, "0 pending, 0 dead") {
				t.Errorf("list after compact: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
	t.Run("no outbox", func(t *testing.T) {
		box := filepath.Join(t.TempDir(), "outbox.db")
		r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "compact")
		if r.code != 0 || !strings.Contains(r.stdout, "nothing to compact (no such file") {
			t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(box); err == nil {
			t.Error("compact created the outbox")
		}
	})
}
