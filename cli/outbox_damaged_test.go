package cli_test

import (
	"encoding/binary"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport/outbox"
)

// damagedRecords is an outbox of two callback bodies for backendURL: the
// first damaged on disk (its body when body is true, else its record's
// metadata), the second intact. It returns the file and the two ids.
func damagedRecords(t *testing.T, backendURL string, body bool) (box string, bad, good uint64) {
	t.Helper()
	box = filepath.Join(t.TempDir(), "outbox.db")
	s, err := outbox.Open(box, outbox.Options{Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := s.Put(
		outbox.Entry{InjectID: "inj-bad", Phase: "execution_complete", BaseURL: backendURL, Body: []byte(`{"phase":"execution_complete","n":1}`)},
		outbox.Entry{InjectID: "inj-good", Phase: "execution_complete", BaseURL: backendURL, Body: []byte(`{"phase":"execution_complete","n":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(box, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bucket := "pending"
	if body {
		bucket = "bodies"
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucket)).Put(binary.BigEndian.AppendUint64(nil, recs[0].ID), []byte("\x00damaged on disk\xff"))
	})
	if err != nil {
		t.Fatal(err)
	}
	return box, recs[0].ID, recs[1].ID
}

// TestRetryDeadOfACorruptRecord checks that retry-dead of a record the
// dead list keeps as corrupt says so, exit 2, rather than that it does not
// exist, and leaves it there for drop.
func TestRetryDeadOfACorruptRecord(t *testing.T) {
	for _, body := range []bool{true, false} {
		t.Run("body damaged "+strconv.FormatBool(body), func(t *testing.T) {
			be := newSwitchable(t, http.StatusOK)
			box, bad, _ := damagedRecords(t, be.URL, body)
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			if r := run(t, registry(), env, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error"); r.code != 1 {
				t.Fatalf("flush: exit %d, want 1 (a body not delivered):\n%s%s", r.code, r.stdout, r.stderr)
			}
			id := strconv.FormatUint(bad, 10)
			r := run(t, registry(), env, "outbox", "retry-dead", id, "--backend-url", be.URL, "--log-level", "error")
			want := id + " is corrupt: nothing in it can be sent (remove it with outbox drop)"
			if r.code != 2 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "no such outbox entry") || r.stdout != "" {
				t.Errorf("exit %d, want 2 with %q (not a missing entry):\nstdout %q\nstderr %s", r.code, want, r.stdout, r.stderr)
			}
			if r := run(t, registry(), env, "outbox", "drop", id, "--log-level", "error"); r.code != 0 {
				t.Errorf("drop: exit %d, want 0:\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}
