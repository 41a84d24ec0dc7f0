package cli_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
)

// outbox list shows a record whose fields a byte flipped on disk made
// disagree on where its body goes (its inject id, phase, chunk or base
// URL; its body intact) as what it is: corrupt, never sent, saying why and
// how to remove it, in the table and in -o json, as flush will find it. It
// was listed pending and due, its last error the backend's, though the
// next flush moves it to the dead list unsent ("1 corrupt"). The intact
// body beside it is listed as before.
func TestListShowsDamagedRouteCorrupt(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
	}{
		{"inject id", `"inject_id":"inj-bad"`, `"inject_id":"inj-bae"`},
		{"phase", `"phase":"execution_complete"`, `"phase":"execution_gomplete"`},
		{"chunk index", `"chunk_index":1`, `"chunk_index":3`},
		{"base url", `"base_url":"http://127.0.0.1:9"`, `"base_url":"http://127.0.0.3:9"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newSwitchable(t, http.StatusOK)
			box := filepath.Join(t.TempDir(), "outbox.db")
			base := be.URL
			if tt.name == "base url" {
				base = "http://127.0.0.1:9"
			}
			recs := storeBodies(t, box,
				outbox.Entry{InjectID: "inj-bad", Phase: "execution_complete", ChunkIndex: 1, TotalChunks: 2, BaseURL: base, Body: []byte(`{"n":1}`)},
				outbox.Entry{InjectID: "inj-good", Phase: "execution_complete", TotalChunks: 1, BaseURL: base, Body: []byte(`{"n":2}`)})
			withStore(t, box, func(s *outbox.Store) error {
				return s.MarkFailed(recs[0].ID, 4, "callback failed after 4 attempts: status 503", time.Now())
			})
			bad := recs[0].ID
			outboxtest.Update(t, box, func(tx *bolt.Tx) error {
				b, k := tx.Bucket([]byte("pending")), binary.BigEndian.AppendUint64(nil, bad)
				v := b.Get(k)
				if !bytes.Contains(v, []byte(tt.old)) {
					t.Fatalf("record %d has no %s: %s", bad, tt.old, v)
				}
				return b.Put(k, bytes.Replace(v, []byte(tt.old), []byte(tt.new), 1))
			})
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			r := run(t, registry(), env, "outbox", "list")
			if r.code != 0 {
				t.Fatalf("list: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
			}
			var row, good string
			for _, line := range strings.Split(r.stdout, "\n") {
				switch f := strings.Fields(line); {
				case len(f) < 2 || f[1] != "pending":
				case f[0] == strconv.FormatUint(bad, 10):
					row = line
				case f[0] == strconv.FormatUint(recs[1].ID, 10):
					good = line
				}
			}
			if !strings.Contains(row, "corrupt: never sent") || !strings.Contains(row, "corrupt record: its fields disagree on where its body goes") {
				t.Errorf("the damaged record's row %q, want it corrupt, never sent, saying why:\n%s", row, r.stdout)
			}
			if strings.Contains(good, "corrupt") || !strings.Contains(good, "due") {
				t.Errorf("the intact record's row %q, want it pending and due", good)
			}
			hint := "corrupt, never sent: 1 record (damaged on disk: nothing in it can be sent, no flush sends it); " +
				"remove it with: injectkit outbox drop --outbox " + box + " " + strconv.FormatUint(bad, 10)
			if !strings.Contains(r.stdout, hint) {
				t.Errorf("list does not say %q:\n%s", hint, r.stdout)
			}
			r = run(t, registry(), env, "outbox", "list", "-o", "json")
			var got struct {
				Records []struct {
					ID        uint64 `json:"id"`
					State     string `json:"state"`
					Next      string `json:"next"`
					LastError string `json:"last_error"`
				} `json:"records"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 || len(got.Records) != 2 {
				t.Fatalf("list -o json: exit %d, %v:\n%s%s", r.code, err, r.stdout, r.stderr)
			}
			for _, rec := range got.Records {
				corrupt := rec.Next == "corrupt: never sent" && strings.HasPrefix(rec.LastError, "corrupt record: its fields disagree")
				if corrupt != (rec.ID == bad) || rec.State != "pending" {
					t.Errorf("-o json record %d: %s, next %q, last error %q; want only %d corrupt", rec.ID, rec.State, rec.Next, rec.LastError, bad)
				}
			}
		})
	}
}
