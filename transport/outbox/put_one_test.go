package outbox_test

import (
	"bytes"
	"iter"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// A put of one body (serve's terminal callback) runs without put's
// goroutines (see putOne): it still copies a body the sequence reuses
// before handing it over, stores it whole, and stores nothing when the
// sequence yields other than the one body announced.
func TestPutOfOneBody(t *testing.T) {
	body := []byte(`{"execution_message":"done","execution_status":"SUCCESS"}`)
	// reused yields count entries, each written into one buffer that is
	// overwritten once the entry is taken, as transport's Bodies do.
	reused := func(count int) iter.Seq[outbox.Entry] {
		return func(yield func(outbox.Entry) bool) {
			buf := make([]byte, len(body))
			for range count {
				copy(buf, body)
				ok := yield(outbox.Entry{InjectID: "inj-1", Phase: "complete", TotalChunks: 1, BaseURL: "http://127.0.0.1:1", Body: buf})
				copy(buf, bytes.Repeat([]byte("z"), len(buf)))
				if !ok {
					return
				}
			}
		}
	}
	for _, tt := range []struct {
		name    string
		yielded int
		wantErr string // "" for none
	}{
		{"one body", 1, ""},
		{"none yielded", 0, "0 bodies read, 1 announced"},
		{"two yielded", 2, "2 bodies read, 1 announced"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, outbox.Options{})
			var handed []outbox.Record
			err := s.PutEach(1, int64(len(body)), reused(tt.yielded), func(recs []outbox.Record) {
				handed = append(handed, recs...)
			})
			stored, lerr := s.List()
			if lerr != nil {
				t.Fatal(lerr)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				if len(handed) != 0 || len(stored) != 0 {
					t.Fatalf("%d records handed over, %d stored, want none", len(handed), len(stored))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(handed) != 1 || !bytes.Equal(handed[0].Body, body) {
				t.Fatalf("handed over %d records, first body %q, want the one body %q", len(handed), bodyOf(handed), body)
			}
			if len(stored) != 1 || stored[0].ID != handed[0].ID || stored[0].State != outbox.Pending {
				t.Fatalf("stored %+v, want record %d pending", stored, handed[0].ID)
			}
			got, err := s.Get(handed[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Body, body) || got.Size != len(body) || got.IdempotencyKey == "" || got.SHA256 == "" {
				t.Fatalf("stored body %q (size %d, key %q, sha %q), want %q with its digests", got.Body, got.Size, got.IdempotencyKey, got.SHA256, body)
			}
		})
	}
}

// bodyOf is the first record's body, nil when there is none.
func bodyOf(recs []outbox.Record) []byte {
	if len(recs) == 0 {
		return nil
	}
	return recs[0].Body
}
