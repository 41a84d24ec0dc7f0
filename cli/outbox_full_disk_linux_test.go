//go:build linux

package cli_test

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A flush whose outbox sits on a full disk exits 2, saying that the disk
// is full and that nothing was sent, the bodies pending as they were.
// Sixteen bodies of 2 KB: it mostly cannot even claim one, the outbox
// unusable as a full or read-only one is (it exited 1, as for bodies the
// backend did not take, the disk's error alone); about one time in twenty
// bbolt finds room for the claim, and the give-back of the bodies claimed
// ahead fails once no note could be written (see unnotedOnly: it exited
// 1 then). One small body, where the outbox file
// itself still has room (bbolt reuses its free pages): it claims the body
// but cannot note its attempt beside the outbox, and posts nothing (it
// exited 1, "1 signature body not delivered (see: injectkit outbox
// list)", while outbox list still showed the backend's earlier answer).
func TestFlushOnFullDiskExitsUsage(t *testing.T) {
	pad := paddedBody()
	for _, tc := range []struct {
		name string
		n    int
		body []byte
	}{
		{"no claim", 16, pad},
		{"no note", 1, []byte(`{"a":1}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newFullDisk(t, tc.n, tc.body, false)
			d.fill(t)
			be, env := d.be, d.env
			r := run(t, registry(), env, "outbox", "flush", "--backend-url", be.URL)
			if r.code != 2 || !strings.Contains(r.stderr, "no space left on device") || !strings.Contains(r.stderr, "nothing was sent") {
				t.Errorf("exit %d, want 2 saying the disk is full and nothing was sent:\n%s%s", r.code, r.stdout, r.stderr)
			}
			if n := len(be.got()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
			if got := listOutbox(t, env); got.Pending != tc.n {
				t.Errorf("%d pending after the flush, want the %d as they were", got.Pending, tc.n)
			}
		})
	}
}

// A retry-dead whose outbox sits on a full disk where the outbox file
// still has room moves the body back to pending and claims it, but cannot
// note its attempt beside the outbox: nothing is posted. It exits 2, as a
// flush does then, saying that nothing was sent, the body back in the
// dead list as it was; it exited 1 and left the body pending.
func TestRetryDeadOnFullDiskNoteExitsUsage(t *testing.T) {
	d := newFullDisk(t, 1, []byte(`{"a":1}`), true)
	d.fill(t)
	be, env := d.be, d.env
	r := run(t, registry(), env, "outbox", "retry-dead", "1", "--backend-url", be.URL)
	if r.code != 2 || !strings.Contains(r.stderr, "no space left on device") || !strings.Contains(r.stderr, "nothing was sent") ||
		!strings.Contains(r.stderr, "stays in the dead list as it was") {
		t.Errorf("exit %d, want 2 saying the disk is full, nothing was sent and the body stays dead:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	got := listOutbox(t, env)
	if got.Pending != 0 || got.Dead != 1 {
		t.Errorf("%d pending, %d dead after the retry, want the one dead as it was", got.Pending, got.Dead)
	}
}

// fullDisk is the set-up of an outbox command run on a full disk: an
// outbox on a small disk of the test's own (a 256k tmpfs) holding bodies
// of one inject bound for a backend that answers 200, the disk filled
// once the test has done what it needs room for (fill).
type fullDisk struct {
	dir  string
	be   *backend
	env  map[string]string // INJECTKIT_OUTBOX: the outbox
	recs []outbox.Record
}

// newFullDisk stores n chunks of body, pending, or dead when dead is true
// (the backend refused them, 422), in a fullDisk's outbox.
func newFullDisk(t *testing.T, n int, body []byte, dead bool) *fullDisk {
	t.Helper()
	d := &fullDisk{dir: testkit.SmallDisk(t, "256k"), be: newBackend(t, http.StatusOK)}
	box := filepath.Join(d.dir, "outbox.db")
	d.env = map[string]string{"INJECTKIT_OUTBOX": box}
	chunks := make([]outbox.Entry, n)
	for i := range chunks {
		chunks[i] = outbox.Entry{InjectID: "inj-full", Phase: "p", ChunkIndex: i, TotalChunks: n, BaseURL: d.be.URL, Body: body}
	}
	d.recs = storeBodies(t, box, chunks...)
	if dead {
		withStore(t, box, func(s *outbox.Store) error {
			for _, r := range d.recs {
				if err := s.MoveToDead(r.ID, 1, http.StatusUnprocessableEntity, "{}", `callback rejected: status 422: "{}"`); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return d
}

// fill leaves the disk no room.
func (d *fullDisk) fill(t *testing.T) { t.Helper(); testkit.FillDisk(t, d.dir) }

// paddedBody is a body of 2 KB: sixteen of them mostly leave a flush on
// the full disk no room to claim one.
func paddedBody() []byte {
	return append([]byte(`{"pad":"`), append(bytes.Repeat([]byte("x"), 2000), `"}`...)...)
}
