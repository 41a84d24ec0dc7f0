package outbox

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"

	bolt "go.etcd.io/bbolt"
)

// TestEndsOfOneCommitShareAWrite: the removals of bodies delivered that
// one commit makes durable end their attempts with one write of the file
// of attempts, not one each, and each of those attempts is ended; a
// removal whose write failed ends none. synctest's clock keeps the lazy removals' timer from committing some of
// them before the commit the test makes.
func TestEndsOfOneCommitShareAWrite(t *testing.T) {
	tests := []struct {
		name    string
		removed int // removals queued before the commit
		failed  int // of which this many fail their write
	}{
		{"one", 1, 0},
		{"three", 3, 0},
		{"sixteen", 16, 0},
		{"three, one failing", 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := openTemp(t, Options{Shared: true})
				var writes []string
				s.hooks.ended = func(lines []byte) { writes = append(writes, string(lines)) }
				var ids []uint64
				for i := range tt.removed {
					recs, err := s.Put(Entry{InjectID: fmt.Sprintf("i-%d", i), Phase: "execution_complete",
						BaseURL: "http://127.0.0.1:1", Body: []byte(`{"x":1}`)})
					if err != nil {
						t.Fatal(err)
					}
					if err := s.startAttempt(recs[0]); err != nil {
						t.Fatal(err)
					}
					ids = append(ids, recs[0].ID)
				}
				for i, id := range ids {
					if i < tt.failed {
						// A removal whose write fails: its body stays
						// pending, its attempt in flight.
						s.writeLater(func(*bolt.Tx) error { return fmt.Errorf("disk says no") }, []uint64{id}, func(error) {})
						continue
					}
					s.deleteLater([]removal{{id: id, size: -1}})
				}
				if err := s.do(true, func(*bolt.Tx) error { return nil }); err != nil {
					t.Fatal(err)
				}
				want := ""
				for _, id := range ids[tt.failed:] {
					want += fmt.Sprintf("e %d\n", id)
				}
				if len(writes) != 1 || writes[0] != want {
					t.Errorf("end lines written as %q, want one write %q", writes, want)
				}
				s.attempts.mu.Lock()
				inflight := len(s.attempts.inflight)
				s.attempts.mu.Unlock()
				if inflight != tt.failed {
					t.Errorf("%d attempts in flight, want %d (those whose removal failed)", inflight, tt.failed)
				}
				list, err := s.List()
				if err != nil {
					t.Fatal(err)
				}
				if len(list) != tt.failed {
					t.Errorf("%d records left, want %d", len(list), tt.failed)
				}
				for _, r := range list {
					if r.Unanswered != 0 || !strings.HasPrefix(r.InjectID, "i-") {
						t.Errorf("record %+v: counted as unanswered", r)
					}
				}
				for _, id := range ids[:tt.failed] {
					s.endAttempts(id) // the test's failed write: nothing in flight at Close
				}
			})
		})
	}
}
