package outbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport"
	bolt "go.etcd.io/bbolt"
)

// editStored changes the stored record and body of id through bbolt
// directly, as damage or an older version would have left them.
func editStored(t *testing.T, s *Store, id uint64, rec func(*Record), body func([]byte) []byte) {
	t.Helper()
	db, err := s.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer s.release()
	err = db.Update(func(tx *bolt.Tx) error {
		r, err := find(tx, id)
		if err != nil {
			return err
		}
		if rec != nil {
			rec(&r)
			if err := put(tx, r); err != nil {
				return err
			}
		}
		if body != nil {
			b := tx.Bucket(bucketBodies)
			return b.Put(key(id), body(bytes.Clone(b.Get(key(id)))))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// flipInflating returns a copy of a compressed stored body with one bit
// flipped that still unpacks, to other bytes.
func flipInflating(t *testing.T, stored []byte) []byte {
	t.Helper()
	if stored[0] != codecS2 {
		t.Fatalf("body stored with codec %q: not compressed", stored[0])
	}
	want, _ := unpackBody(stored, nil)
	for i := 1; i < len(stored); i++ {
		for bit := range 8 {
			c := bytes.Clone(stored)
			c[i] ^= 1 << bit
			if got, err := unpackBody(c, nil); err == nil && !bytes.Equal(got, want) {
				return c
			}
		}
	}
	t.Fatal("no flip of the stored body inflates")
	return nil
}

// A stored body that is not the one put is never sent: its record moves to
// the dead list as corrupt, and the next record is delivered.
func TestCorruptBodyNeverSent(t *testing.T) {
	random := make([]byte, 300)
	_, _ = rand.Read(random)
	jsonBody := []byte(`{"phase":"p","expectation_signature":{"targets":[` +
		strings.Repeat(`{"value":"fd00::2"},{"value":"fd00::3"},`, 20) + `{"value":"fd00::4"}]}}`)
	tests := []struct {
		name   string
		body   []byte
		damage func(t *testing.T, stored []byte) []byte
	}{
		{"byte flipped in a raw body", random, func(_ *testing.T, b []byte) []byte { b[len(b)/2] ^= 0x20; return b }},
		{"bit flipped in a compressed body", jsonBody, flipInflating},
		{"compressed stream broken", jsonBody, func(_ *testing.T, b []byte) []byte { return append(b[:3], 0xff, 0xff, 0xff) }},
		{"body missing", jsonBody, func(*testing.T, []byte) []byte { return []byte{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newSink(t, http.StatusOK)
			s := openTemp(t, Options{})
			recs, err := s.Put(
				Entry{InjectID: "bad", Phase: "p", BaseURL: be.URL, Body: tt.body},
				Entry{InjectID: "good", Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p"}`)})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				_ = s.MarkFailed(r.ID, 0, "", time.Now())
			}
			editStored(t, s, recs[0].ID, nil, func(b []byte) []byte { return tt.damage(t, b) })
			res, err := (&Resender{Store: s, Client: clientFor(t)}).Flush(context.Background())
			if err != nil || res.Delivered != 1 || res.Rejected != 1 {
				t.Fatalf("flush: %+v %v", res, err)
			}
			if requests := be.Len(); requests != 1 {
				t.Errorf("%d requests, want only the good body's", requests)
			}
			list, _ := s.List()
			if len(list) != 1 || list[0].State != Dead || list[0].DeadReason != ReasonCorrupt ||
				list[0].Attempts != 0 || !strings.Contains(list[0].LastError, "corrupt") {
				t.Fatalf("records %+v", list)
			}
			// It is not moved back: nothing in it can be sent.
			want := fmt.Sprintf("%d is corrupt: nothing in it can be sent (remove it with outbox drop)", recs[0].ID)
			if _, err := s.RetryDead(recs[0].ID); !errors.Is(err, ErrCorruptEntry) || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), want) {
				t.Errorf("retry-dead of a corrupt record: %v, want it refused with %q, not as a missing one", err, want)
			}
			if list, _ := s.List(); len(list) != 1 || list[0].State != Dead {
				t.Errorf("records %+v, want the corrupt one still dead", list)
			}
		})
	}
}

// Records stored before the checksum was kept are delivered; one whose
// body no longer has its recorded size is not.
func TestRecordsWithoutChecksum(t *testing.T) {
	for _, truncated := range []bool{false, true} {
		be := newSink(t, http.StatusOK)
		s := openTemp(t, Options{})
		recs, err := s.Put(Entry{InjectID: "old", Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p","x":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		_ = s.MarkFailed(recs[0].ID, 0, "", time.Now())
		editStored(t, s, recs[0].ID, func(r *Record) { r.SHA256, r.OwnerStart = "", 0 }, func(b []byte) []byte {
			if truncated {
				return packBody([]byte(`{"phase":"p"}`))
			}
			return b
		})
		res, err := (&Resender{Store: s, Client: clientFor(t)}).Flush(context.Background())
		want := FlushResult{Delivered: 1}
		if truncated {
			want = FlushResult{Rejected: 1, Corrupt: 1}
		}
		if err != nil || res != want {
			t.Errorf("truncated %t: flush %+v %v, want %+v", truncated, res, err, want)
		}
	}
}

// A resend carries the Idempotency-Key recorded at Put, byte for byte,
// even when it cannot be computed again from the body (a phase of invalid
// UTF-8, which the body holds as U+FFFD) and after the file was reopened.
func TestResendUsesRecordedKey(t *testing.T) {
	be := newSink(t, http.StatusOK)
	s := openTemp(t, Options{})
	body := []byte(`{"phase":"exec\ufffd","expectation_signature":{"targets":[]}}`)
	recs, err := s.Put(Entry{InjectID: "inj\xfe", Phase: "exec\xff", BaseURL: be.URL, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	want := transport.IdempotencyKey("inj\xfe", "exec\xff", 0, body)
	if recs[0].IdempotencyKey != want {
		t.Fatalf("key at put %q, want %q", recs[0].IdempotencyKey, want)
	}
	path := s.Path()
	_ = s.Close()
	s = mustOpen(t, path, Options{})
	defer s.Close()
	r, err := s.Get(recs[0].ID)
	if err != nil || r.IdempotencyKey != want || r.Phase != "exec\xff" || r.InjectID != "inj\xfe" {
		t.Fatalf("read back %q %q %q, %v", r.InjectID, r.Phase, r.IdempotencyKey, err)
	}
	res, err := (&Resender{Store: s, Client: clientFor(t)}).Flush(context.Background())
	if err != nil || res.Delivered != 1 {
		t.Fatalf("flush %+v %v", res, err)
	}
	acc := accepted(be)
	if got, ok := acc[want+" /api/injects/inj%FE/callback"]; !ok || !bytes.Equal(got, body) {
		t.Errorf("accepted %q", acc)
	}
}

// Settle of a body posted by the caller (the first send) moves a record
// whose request cannot be built to the dead list at once, whatever the
// client made of it.
func TestSettleUnsendable(t *testing.T) {
	s := openTemp(t, Options{})
	recs, err := s.Put(Entry{InjectID: "inj", Phase: "p\n", BaseURL: "http://127.0.0.1:1", Body: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Settle(context.Background(), recs[0], errors.New("net/http: invalid header field value"), 0)
	var re *RecordError
	if out != Rejected || !errors.As(err, &re) || !errors.Is(err, ErrUnsendable) || re.ID != recs[0].ID {
		t.Fatalf("settle: %s %v", out, err)
	}
	if r, _ := s.Get(recs[0].ID); r.State != Dead || r.DeadReason != ReasonUnsendable || r.Owner != 0 {
		t.Errorf("record %+v", r)
	}
}

func TestValidHeaderValue(t *testing.T) {
	for v, want := range map[string]bool{
		"inj:p:0:0123abcd": true, "a\tb": true, "é\xff": true, "": true,
		"a\x01": false, "a\nb": false, "a\rb": false, "\x7f": false, "\x00": false,
	} {
		if got := validHeaderValue(v); got != want {
			t.Errorf("validHeaderValue(%q) = %t, want %t", v, got, want)
		}
	}
}

// FuzzIdempotencyKey: the key Put records, computed from the body's
// SHA-256, is transport.IdempotencyKey's.
func FuzzIdempotencyKey(f *testing.F) {
	f.Add("inj", "execution_complete", 0, []byte(`{"phase":"execution_complete"}`))
	f.Add("a/b?c", "exec\xff", 7, []byte{})
	f.Fuzz(func(t *testing.T, id, phase string, chunk int, body []byte) {
		got := idempotencyKey(id, phase, chunk, sha256.Sum256(body))
		if want := transport.IdempotencyKey(id, phase, chunk, body); got != want {
			t.Fatalf("key %q, want %q", got, want)
		}
	})
}

// A record whose stored metadata cannot be decoded is listed as corrupt
// (its id, state and size; pending, no dead reason), found by Get, passed over by PendingOf, and
// dropped; the others are read as they are.
func TestUnreadableRecord(t *testing.T) {
	for _, damage := range [][2]string{{`"phase"`, `#phase"`}, {`"created":"2`, `"created":"x`}} {
		t.Run(damage[1], func(t *testing.T) {
			s := openTemp(t, Options{})
			var ids []uint64
			for i := range 3 {
				recs, err := s.Put(entry(fmt.Sprint("inj-", i), 0, 1, "{}"))
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, recs[0].ID)
			}
			damageRecord(t, s, ids[1], damage[0], damage[1])
			list, err := s.List()
			if err != nil || len(list) != 3 {
				t.Fatalf("list %+v %v", list, err)
			}
			bad := list[1]
			if !bad.Unreadable() || bad.ID != ids[1] || bad.State != Pending || bad.Size != 2 || bad.DeadReason != "" ||
				!bad.Corrupt() || !bad.MetadataLost() || list[0].Corrupt() || list[0].MetadataLost() ||
				!strings.Contains(bad.LastError, "metadata cannot be read") || list[0].Unreadable() || list[2].InjectID != "inj-2" {
				t.Errorf("list %+v", list)
			}
			if r, err := s.Get(ids[1]); err != nil || !r.Unreadable() || string(r.Body) != "{}" {
				t.Errorf("get %+v %v", r, err)
			}
			if _, found, err := s.PendingOf("inj-2", nil); err != nil || !found {
				t.Errorf("PendingOf %t %v", found, err)
			}
			if err := s.Delete(ids[1]); err != nil {
				t.Fatal(err)
			}
			if st, err := s.Stats(); err != nil || st.Pending != 2 || st.Bytes != 4 {
				t.Errorf("stats after the drop %+v %v", st, err)
			}
		})
	}
}
