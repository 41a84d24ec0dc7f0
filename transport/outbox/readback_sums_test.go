package outbox

import (
	"bytes"
	"errors"
	"hash/maphash"
	"path/filepath"
	"strings"
	"testing"
)

// A large send reads its bodies back to post them (see storeFirst),
// checked against the digests it kept as it stored them, not against
// their SHA-256 again: a body read back as stored passes; one that differs
// from what was stored (a damaged page) is checked against its SHA-256,
// as a flush checks it, and is corrupt; and a body read back with no digest
// to compare with (a stalled send's) is checked as a flush checks it.
// The digests are of the bodies as stored (compressed), a twentieth of
// W1's bodies to hash twice: a body whose stored bytes have the digest
// kept is not checked against its SHA-256 (a record whose SHA-256 is
// wrong passes then; it is corrupt with no digest to compare with).
func TestReadBackChecksTheDigestsKept(t *testing.T) {
	body := bytes.Repeat([]byte(`{"target":"10.0.0.1","ok":true},`), 256)
	for _, tt := range []struct {
		name     string
		damaged  bool
		wrongSum bool // the record's SHA-256 is not the body's
		kept     bool // the send kept the body's digest
		corrupt  bool
	}{
		{name: "as stored", kept: true},
		{name: "as stored, its SHA-256 not checked", wrongSum: true, kept: true},
		{name: "as stored, no digest kept, its SHA-256 checked", wrongSum: true, corrupt: true},
		{name: "damaged", damaged: true, kept: true, corrupt: true},
		{name: "damaged, no digest kept", damaged: true, corrupt: true},
		{name: "as stored, no digest kept"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(filepath.Join(t.TempDir(), "outbox.db"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			recs, err := s.Put(Entry{InjectID: "inj", Phase: "complete", TotalChunks: 1, Body: body})
			if err != nil {
				t.Fatal(err)
			}
			kept := sums{seed: maphash.MakeSeed()}
			kept.add(packInto(nil, body))
			if tt.damaged {
				editStored(t, s, recs[0].ID, nil, func(b []byte) []byte { return flipInflating(t, b) })
			}
			if tt.wrongSum {
				editStored(t, s, recs[0].ID, func(r *Record) { r.SHA256 = strings.Repeat("0", 64) }, nil)
			}
			var same func(int, []byte) bool
			if tt.kept {
				same = kept.from(0)
			}
			got, bad, err := s.readBack([]uint64{recs[0].ID}, nil, same)
			var re *RecordError
			switch {
			case tt.corrupt && (!errors.As(err, &re) || re.Reason != ReasonCorrupt || bad != 0 || got[0].Body != nil):
				t.Fatalf("read back %q, bad %d, %v: want a corrupt record, no body", got[0].Body, bad, err)
			case !tt.corrupt && (err != nil || !bytes.Equal(got[0].Body, body)):
				t.Fatalf("read back %d bytes, %v: want the body stored", len(got[0].Body), err)
			}
		})
	}
}
