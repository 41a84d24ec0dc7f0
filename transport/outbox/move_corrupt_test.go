package outbox

import (
	"context"
	"testing"
)

// A record of the backend moved whose URL is no longer under its base URL
// (a byte flipped on disk) is left as it was, its id reported, and the
// others are moved: one damaged record does not keep every body of the
// backend at its old URL.
func TestMoveLeavesDamagedRecord(t *testing.T) {
	s := openTemp(t, Options{})
	const old, moved = "http://127.0.0.1:18002", "http://127.0.0.1:18011"
	recs, err := s.Put(
		Entry{InjectID: "a", Phase: "p", BaseURL: old, Body: []byte(`{"phase":"p"}`)},
		Entry{InjectID: "b", Phase: "p", BaseURL: old, Body: []byte(`{"phase":"p"}`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		s.unclaim(r.ID)
	}
	damageRecord(t, s, recs[0].ID, `"url":"http://127.0.0.1:18002`, `"url":"http://127.0.0.3:18002`)
	res, err := s.Move(context.Background(), func(base string) bool { return base == old }, moved)
	if err != nil || res.Pending != 1 || res.Corrupt != 1 || res.CorruptID != recs[0].ID {
		t.Fatalf("move: %+v %v, want the intact record moved, the damaged one reported", res, err)
	}
	for _, want := range []struct {
		id   uint64
		base string
	}{{recs[0].ID, old}, {recs[1].ID, moved}} {
		if r, err := s.Get(want.id); err != nil || r.BaseURL != want.base {
			t.Errorf("record %d: base URL %q %v, want %q", want.id, r.BaseURL, err, want.base)
		}
	}
}
