package outbox

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A byte flipped on disk in what routes a record (its inject, phase or
// chunk) never sends its body to another inject's callback, or as another
// phase or chunk: the Idempotency-Key recorded at Put binds them to the
// body, so the record moves to the dead list as corrupt, unsent, and the
// next record is delivered.
func TestDamagedRouteNeverSent(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
	}{
		{"inject id", `"inject_id":"i1"`, `"inject_id":"i3"`},
		{"phase", `"phase":"execution_complete"`, `"phase":"execution_gomplete"`},
		{"chunk index", `"chunk_index":1`, `"chunk_index":3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newSink(t, http.StatusOK)
			s := openTemp(t, Options{})
			recs, err := s.Put(
				Entry{InjectID: "i1", Phase: "execution_complete", ChunkIndex: 1, TotalChunks: 4, BaseURL: be.URL,
					Body: []byte(`{"phase":"execution_complete","chunk_index":1}`)},
				Entry{InjectID: "good", Phase: "execution_complete", BaseURL: be.URL, Body: []byte(`{"phase":"execution_complete"}`)})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				_ = s.MarkFailed(r.ID, 0, "", time.Now())
			}
			damageRecord(t, s, recs[0].ID, tt.old, tt.new)
			res, err := (&Resender{Store: s, Client: clientFor(t)}).Flush(context.Background())
			if err != nil || res.Delivered != 1 || res.Corrupt != 1 {
				t.Errorf("flush: %+v %v, want the good body delivered, the damaged one corrupt", res, err)
			}
			for k := range accepted(be) {
				if !strings.HasPrefix(k, "good:") {
					t.Errorf("accepted %q: the damaged record was sent", k)
				}
			}
			list, _ := s.List()
			if len(list) != 1 || list[0].ID != recs[0].ID || list[0].State != Dead || list[0].DeadReason != ReasonCorrupt ||
				list[0].Attempts != 0 || !strings.Contains(list[0].LastError, "Idempotency-Key") {
				t.Fatalf("records %+v, want the damaged one dead as corrupt, unsent, saying why", list)
			}
		})
	}
}

// A byte flipped on disk in a record's base URL, which makes it the
// record of another backend, never sends its body there: its URL, stored
// beside it, is no longer under it, so the record is corrupt, unsent.
func TestDamagedBaseURLNeverSent(t *testing.T) {
	stored, other := newSink(t, http.StatusOK), newSink(t, http.StatusOK)
	s := openTemp(t, Options{})
	recs, err := s.Put(Entry{InjectID: "i1", Phase: "execution_complete", BaseURL: stored.URL,
		Body: []byte(`{"phase":"execution_complete"}`)})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.MarkFailed(recs[0].ID, 0, "", time.Now())
	damageRecord(t, s, recs[0].ID, `"base_url":"`+stored.URL+`"`, `"base_url":"`+other.URL+`"`)
	res, err := (&Resender{Store: s, Client: clientFor(t)}).Flush(context.Background())
	if err != nil || res.Delivered != 0 || res.Corrupt != 1 {
		t.Errorf("flush: %+v %v, want the damaged record corrupt", res, err)
	}
	if n, m := other.Len(), stored.Len(); n != 0 || m != 0 {
		t.Errorf("%d requests to the backend its damaged base URL names, %d to its own: want none", n, m)
	}
	list, _ := s.List()
	if len(list) != 1 || list[0].State != Dead || list[0].DeadReason != ReasonCorrupt || !strings.Contains(list[0].LastError, "base URL") {
		t.Fatalf("records %+v, want it dead as corrupt, saying why", list)
	}
}
