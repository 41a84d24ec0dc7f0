package outbox

import (
	"errors"
	"testing"
)

// A record whose fields disagree on where its body goes (a byte flipped on
// disk in its inject id, phase, chunk or base URL, its body intact) is
// corrupt as soon as it is read, before a flush claims it: Corrupt is
// true and RouteDamaged says why, so that outbox list shows it corrupt,
// never sent, where it showed it pending and due (only the claim of a
// flush found it out). Its neighbour, intact, is not.
func TestDamagedRouteReadCorrupt(t *testing.T) {
	const base = "http://127.0.0.1:9"
	tests := []struct {
		name     string
		old, new string
	}{
		{"inject id", `"inject_id":"i1"`, `"inject_id":"i3"`},
		{"phase", `"phase":"execution_complete"`, `"phase":"execution_gomplete"`},
		{"chunk index", `"chunk_index":1`, `"chunk_index":3`},
		{"base url", `"base_url":"` + base + `"`, `"base_url":"http://127.0.0.3:9"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			recs, err := s.Put(
				Entry{InjectID: "i1", Phase: "execution_complete", ChunkIndex: 1, TotalChunks: 4, BaseURL: base,
					Body: []byte(`{"phase":"execution_complete","chunk_index":1}`)},
				Entry{InjectID: "good", Phase: "execution_complete", BaseURL: base, Body: []byte(`{"phase":"execution_complete"}`)})
			if err != nil {
				t.Fatal(err)
			}
			damageRecord(t, s, recs[0].ID, tt.old, tt.new)
			list, err := s.List()
			if err != nil || len(list) != 2 {
				t.Fatalf("list: %d records, %v", len(list), err)
			}
			for _, r := range list {
				damaged := r.ID == recs[0].ID
				err := r.RouteDamaged()
				if r.Corrupt() != damaged || (err != nil) != damaged || r.State != Pending {
					t.Errorf("record %d (damaged %t): %s, corrupt %t, %v", r.ID, damaged, r.State, r.Corrupt(), err)
				}
				if damaged && !errors.Is(err, errRoute) {
					t.Errorf("record %d: %v, want it to say its fields disagree on where its body goes", r.ID, err)
				}
			}
		})
	}
}

// retry-dead of a dead body whose fields were damaged on disk after the
// backend rejected it (its dead reason not corrupt) leaves it dead, as
// corrupt (ErrCorruptEntry), as it leaves one whose metadata cannot be
// read: moved back to pending, a flush of the backend its damaged base URL
// names would take it for one of its bodies until its claim refused it.
func TestRetryDeadOfADamagedRouteRefused(t *testing.T) {
	s := openTemp(t, Options{})
	recs, err := s.Put(Entry{InjectID: "i1", Phase: "execution_complete", BaseURL: "http://127.0.0.1:9",
		Body: []byte(`{"phase":"execution_complete"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MoveToDead(recs[0].ID, 1, 422, "{}", "callback rejected: status 422"); err != nil {
		t.Fatal(err)
	}
	damageRecord(t, s, recs[0].ID, `"base_url":"http://127.0.0.1:9"`, `"base_url":"http://127.0.0.3:9"`)
	if _, err := s.RetryDead(recs[0].ID); !errors.Is(err, ErrCorruptEntry) {
		t.Errorf("retry-dead: %v, want it refused as corrupt", err)
	}
	if r, err := s.Get(recs[0].ID); err != nil || r.State != Dead {
		t.Errorf("after it: %+v %v, want it dead as it was", r, err)
	}
}
