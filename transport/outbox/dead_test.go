package outbox

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

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
