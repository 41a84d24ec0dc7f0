package cli_test

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
)

// TestMoveLeavesCorruptRecord checks that outbox move of a backend one of
// whose records has a URL no longer under its base URL (a byte flipped on
// disk) moves the others, exit 1, naming the corrupt one for drop, rather
// than moving none of them.
func TestMoveLeavesCorruptRecord(t *testing.T) {
	const from, to = "http://127.0.0.1:18002", "http://127.0.0.1:18011"
	box := filepath.Join(t.TempDir(), "outbox.db")
	recs := storeBodies(t, box,
		outbox.Entry{InjectID: "a", Phase: "execution_complete", BaseURL: from, Body: []byte(`{"phase":"execution_complete"}`)},
		outbox.Entry{InjectID: "b", Phase: "execution_complete", BaseURL: from, Body: []byte(`{"phase":"execution_complete"}`)})
	outboxtest.Update(t, box, func(tx *bolt.Tx) error {
		k := binary.BigEndian.AppendUint64(nil, recs[0].ID)
		v := tx.Bucket([]byte("pending")).Get(k)
		return tx.Bucket([]byte("pending")).Put(k, bytes.Replace(v, []byte(`"url":"http://127.0.0.1:`), []byte(`"url":"http://127.0.0.3:`), 1))
	})
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	r := run(t, registry(), env, "outbox", "move", "--from", from, "--to", to, "--log-level", "error")
	id := strconv.FormatUint(recs[0].ID, 10)
	if r.code != 1 || !strings.Contains(r.stderr, "1 corrupt record stored for "+from+" not moved") ||
		!strings.Contains(r.stderr, "drop --outbox "+box+" "+id) || !strings.Contains(r.stdout, "1 signature body moved") {
		t.Fatalf("move: exit %d, want 1, the intact body moved and the corrupt one named:\nstdout %q\nstderr %s", r.code, r.stdout, r.stderr)
	}
}
