package outbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/transporttest"
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

// A body an earlier version moved to the dead list as corrupt, because it
// could not read how it was stored (an S2 body, for a version of the
// deflate era), is an ordinary dead body once it reads back matching its
// record: List gives no reason corrupt, retry-dead moves it back and a
// flush delivers it. A body that does not match stays corrupt: retry-dead
// refuses it; so does a record whose metadata could not be read (moved by
// Claim, it keeps nothing to check its body against but its size).
func TestRetryDeadOfMisjudgedCorrupt(t *testing.T) {
	jsonBody := []byte(`{"phase":"p","expectation_signature":{"targets":[` +
		strings.Repeat(`{"value":"fd00::2"},{"value":"fd00::3"},`, 20) + `{"value":"fd00::4"}]}}`)
	tests := []struct {
		name    string
		damage  func(t *testing.T, stored []byte) []byte // nil: the body is intact
		retried bool
		meta    bool // the record's metadata is damaged instead
	}{
		{"intact S2 body", nil, true, false},
		{"bit flipped in the body", flipInflating, false, false},
		{"metadata damaged", nil, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newSink(t, http.StatusOK)
			s := openTemp(t, Options{})
			recs, err := s.Put(Entry{InjectID: "inj", Phase: "p", BaseURL: be.URL, Body: jsonBody})
			if err != nil {
				t.Fatal(err)
			}
			id := recs[0].ID
			if tt.damage != nil {
				editStored(t, s, id, nil, func(b []byte) []byte { return tt.damage(t, b) })
			}
			if tt.meta {
				damageRecord(t, s, id, `"phase"`, `#phase"`)
				s.unclaim(id) // as a flush of another process finds it
				if _, _, err := s.Claim(id); !errors.Is(err, ErrBodyCorrupt) {
					t.Fatalf("claim of the damaged record: %v, want it moved as corrupt", err)
				}
			} else {
				// What a version of the deflate era did to an S2 body.
				err := s.moveToDead(id, 0, 0, "", "outbox record 1: stored body corrupt: stored body: unknown codec 's'; moved to the dead list unsent", ReasonCorrupt)
				if err != nil {
					t.Fatal(err)
				}
			}
			list, err := s.List()
			if err != nil || len(list) != 1 || list[0].State != Dead {
				t.Fatalf("list %+v %v", list, err)
			}
			if corrupt := list[0].DeadReason == ReasonCorrupt; corrupt == tt.retried {
				t.Errorf("listed with reason %q, want corrupt: %t", list[0].DeadReason, !tt.retried)
			}
			r, err := s.RetryDead(id)
			if !tt.retried {
				if !errors.Is(err, ErrCorruptEntry) || !strings.Contains(err.Error(), "outbox drop") {
					t.Errorf("retry-dead: %v, want it refused as corrupt", err)
				}
				return
			}
			if err != nil || r.State != Pending {
				t.Fatalf("retry-dead: %+v %v", r, err)
			}
			res, err := (&Resender{Store: s, Client: clientFor(t)}).Flush(context.Background())
			if err != nil || res != (FlushResult{Delivered: 1}) {
				t.Fatalf("flush %+v %v", res, err)
			}
			if got := accepted(be)[recs[0].IdempotencyKey+" /api/injects/inj/callback"]; string(got) != string(jsonBody) {
				t.Errorf("delivered %q, want the body put", got)
			}
		})
	}
}

// TestRetryDeadHoldsTheRecord is reviewer r4's case: retry-dead moves a
// dead body back to pending owned by its process for a lease, so that
// another process sharing the outbox (a serve's resender) does not take
// it meanwhile, and puts it back in the dead list after a refused token
// only while it still owns it: a body another process took (its lease
// over) or delivered meanwhile is left to that process, and the error
// says so.
func TestRetryDeadHoldsTheRecord(t *testing.T) {
	other := liveProcess(t) // the other process sharing the outbox
	tests := []struct {
		name      string
		meanwhile func(t *testing.T, s *Store, id uint64) // during the POST
		state     State                                   // "" when gone
		taken     string                                  // what the error says, "" for the body put back
	}{
		{name: "token refused: put back as it was", state: Dead},
		{name: "taken by another process meanwhile: left to it", state: Pending, taken: "is pid",
			meanwhile: func(t *testing.T, s *Store, id uint64) {
				if _, err := s.update(id, func(r *Record) error {
					r.Owner, r.OwnerStart, r.LeaseUntil = other, processStart(other), time.Now().Add(time.Minute)
					return nil
				}); err != nil {
					t.Error(err)
				}
			}},
		{name: "delivered by another process meanwhile: said so", taken: "no longer in the outbox (delivered)",
			meanwhile: func(t *testing.T, s *Store, id uint64) {
				if err := s.Delete(id); err != nil {
					t.Error(err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			var id uint64
			be := transporttest.NewBackendFunc(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				if tt.meanwhile != nil {
					tt.meanwhile(t, s, id)
				}
				w.WriteHeader(http.StatusUnauthorized)
			})
			recs, err := s.Put(Entry{InjectID: "inj", Phase: "p", BaseURL: be.URL, Body: []byte(`{}`)})
			if err != nil {
				t.Fatal(err)
			}
			id = recs[0].ID
			was := retriedDead(t, s, id, 1, http.StatusUnprocessableEntity, "bad", "status 422")
			// Another process's resender finds it held.
			mine, start := s.pid, s.start
			s.pid, s.start = other, processStart(other)
			_, ok, err := s.Claim(id)
			s.pid, s.start = mine, start
			if ok || err != nil {
				t.Fatalf("another process claimed the body retry-dead moved back (%v): it does not hold it", err)
			}
			r, ok, err := s.Claim(id)
			if !ok || err != nil {
				t.Fatalf("retry-dead's claim: %v %v", ok, err)
			}
			p, err := clientFor(t)(be.URL)
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.SendRetried(context.Background(), p, r, was)
			if out != Failed || !TokenRefused(err) {
				t.Fatalf("SendRetried = %v, %v; want Failed, the token refused", out, err)
			}
			if taken := errors.Is(err, ErrTakenMeanwhile); taken != (tt.taken != "") || tt.taken != "" && !strings.Contains(err.Error(), tt.taken) {
				t.Errorf("error %v, want it to say %q", err, tt.taken)
			}
			got, gerr := s.Get(id)
			switch {
			case tt.state == "" && !errors.Is(gerr, ErrNotFound):
				t.Errorf("the body delivered by another process is back: %+v %v", got, gerr)
			case tt.state != "" && (gerr != nil || got.State != tt.state):
				t.Errorf("body %+v %v, want %s", got, gerr, tt.state)
			case tt.state == Dead && (got.DeadStatus != http.StatusUnprocessableEntity || got.Owner != 0):
				t.Errorf("put back %+v, want it as it was", got)
			case tt.state == Pending && got.Owner != other:
				t.Errorf("the other process's claim clobbered: owner %d", got.Owner)
			}
		})
	}
}
