package outbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport"
)

// firstOutboxBase is the base URL the records of testdata/def3edd name
// (see testdata/README.md).
const firstOutboxBase = "http://127.0.0.1:39411"

// copyFirstOutbox copies the outbox the first outbox version wrote
// (testdata/def3edd) to a temporary file and returns its path: opening a
// file writes beside it.
func copyFirstOutbox(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "def3edd", "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "outbox.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// clientTo returns a Resender's client that sends the bodies stored for
// firstOutboxBase to url instead.
func clientTo(url string) func(string) (Poster, error) {
	return func(base string) (Poster, error) {
		if base != firstOutboxBase {
			return nil, fmt.Errorf("base %q, want %q", base, firstOutboxBase)
		}
		return transport.New(url, transport.WithRetry(2, time.Millisecond))
	}
}

// An outbox the first outbox version wrote, its bodies stored verbatim
// (no codec byte), is delivered whole by a flush: each body under its
// recorded Idempotency-Key, whose hash is the body's.
func TestFirstOutboxFlushed(t *testing.T) {
	s := mustOpen(t, copyFirstOutbox(t), Options{})
	defer s.Close()
	list, err := s.List()
	if err != nil || len(list) == 0 {
		t.Fatalf("list %d records, %v", len(list), err)
	}
	keys := map[string]bool{}
	for _, r := range list {
		if r.State != Pending {
			t.Fatalf("record %d is %s, want pending", r.ID, r.State)
		}
		keys[r.IdempotencyKey] = true
	}
	be := newSink(t, http.StatusOK)
	res, err := (&Resender{Store: s, Client: clientTo(be.URL)}).Flush(context.Background())
	if err != nil || res != (FlushResult{Delivered: len(list)}) {
		t.Fatalf("flush %+v %v, want all %d delivered", res, err, len(list))
	}
	for _, r := range be.Answered() {
		k := r.Header.Get(transport.IdempotencyHeader)
		sum := sha256.Sum256(r.Body)
		if !keys[k] || !strings.HasSuffix(k, ":"+hex.EncodeToString(sum[:8])) || !bytes.HasPrefix(r.Body, []byte(`{"phase":`)) {
			t.Errorf("posted %q under key %q: not a stored body under its recorded key", r.Body[:min(len(r.Body), 40)], k)
		}
		delete(keys, k)
	}
	if len(keys) != 0 {
		t.Errorf("never delivered: %v", keys)
	}
	if st, err := s.Stats(); err != nil || st != (Stats{}) {
		t.Errorf("after the flush: %+v %v, want an empty outbox", st, err)
	}
}

// A value stored without a codec byte is read as the body it is only when
// it is the record's body: by its SHA-256, or, recorded without one, by
// its size and its Idempotency-Key's hash; a damaged one stays corrupt.
func TestVerbatimBody(t *testing.T) {
	body := []byte(`{"phase":"execution_complete","expectation_signature":{"targets":[{"value":"10.0.0.1"}]}}`)
	first := Record{ID: 1, InjectID: "inj-1", Phase: "execution_complete", Size: len(body),
		IdempotencyKey: transport.IdempotencyKey("inj-1", "execution_complete", 0, body)}
	withSum := first
	withSum.SHA256 = bodySum(body)
	damaged := bytes.Replace(body, []byte("10.0.0.1"), []byte("10.0.0.2"), 1)
	tests := []struct {
		name   string
		r      Record
		stored []byte
		ok     bool
	}{
		{"first outbox: key and size", first, body, true},
		{"sha256 recorded", withSum, body, true},
		{"first outbox, damaged", first, damaged, false},
		{"sha256 recorded, damaged", withSum, damaged, false},
		{"first outbox, cut short", first, body[:len(body)-1], false},
		{"raw, with a codec byte", first, packBody(body), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bodyOf(tt.r, tt.stored, nil)
			if ok := err == nil && bytes.Equal(got, body); ok != tt.ok {
				t.Errorf("read %q, %v; want the body: %t", got, err, tt.ok)
			}
		})
	}
}

// A record of the first outbox whose metadata is damaged is listed with
// the size of its body, stored verbatim (it was listed as 0 bytes), and
// dropping it frees those bytes from what the outbox counts.
func TestFirstOutboxUnreadableRecordSized(t *testing.T) {
	s := mustOpen(t, copyFirstOutbox(t), Options{})
	defer s.Close()
	list, err := s.List()
	if err != nil || len(list) == 0 {
		t.Fatalf("list %d records, %v", len(list), err)
	}
	r := list[len(list)/2]
	before, err := s.Stats()
	if err != nil || r.Size == 0 {
		t.Fatalf("stats %+v %v; record %d of %d bytes", before, err, r.ID, r.Size)
	}
	damageRecord(t, s, r.ID, `"phase"`, `#phase"`)
	list, err = s.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range list {
		if got.ID == r.ID && (!got.Unreadable() || got.Size != r.Size) {
			t.Errorf("damaged record listed unreadable %t, %d bytes; want unreadable, %d bytes", got.Unreadable(), got.Size, r.Size)
		}
	}
	if _, err := s.Drop(r.ID); err != nil {
		t.Fatal(err)
	}
	if after, err := s.Stats(); err != nil || after.Bytes != before.Bytes-int64(r.Size) {
		t.Errorf("after the drop: %+v %v, want %d bytes counted", after, err, before.Bytes-int64(r.Size))
	}
}
