package outbox

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkRecentComplete is the outbox's part of openaev's
// RecentComplete, asked for each message a daemon takes and each run: the
// stored "complete" of the inject whose attempt a killed process left
// unended, among many pending bodies, one complete in a hundred such a
// one. "found" asks for an inject that has one, "none" for one that
// has no body at all (a new inject, the usual case). PendingOf was the
// lookup before the index of interrupted bodies (a walk of every pending
// body then; it reads the index by inject since, see BenchmarkPendingOf),
// InterruptedOf after.
func BenchmarkRecentComplete(b *testing.B) {
	for _, pending := range []int{10_000, 100_000} {
		s := benchPending(b, pending)
		// The last inject with an interrupted complete: the latest injects
		// are those a daemon is asked about.
		last := fmt.Sprintf("inj-%d", (pending-99)/2)
		for _, ask := range []struct{ name, id string }{{"found", last}, {"none", "inj-new"}} {
			for _, lookup := range []struct {
				name string
				fn   func(string, func(Record) bool) (Record, bool, error)
			}{
				{"PendingOf", s.PendingOf},         // before: the walk of every pending body
				{"InterruptedOf", s.InterruptedOf}, // after: the index
			} {
				b.Run(fmt.Sprintf("pending=%d/%s/%s", pending, ask.name, lookup.name), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						r, found, err := lookup.fn(ask.id, interruptedComplete)
						if err != nil || found != (ask.id == last) || found && r.InjectID != last {
							b.Fatal(r.InjectID, found, err)
						}
					}
				})
			}
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// interruptedComplete is the match openaev's RecentComplete gave PendingOf
// (InterruptedOf checks Interrupted itself).
func interruptedComplete(r Record) bool {
	return r.Phase == "execution_complete" && !r.Interrupted.IsZero()
}

// benchPending returns a store holding n pending bodies of n/2 injects
// (a "data" and a "complete" each), every hundredth complete interrupted.
func benchPending(b *testing.B, n int) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "outbox.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	var interrupted []uint64
	const group = 5000
	for i := 0; i < n; i += group {
		entries := make([]Entry, 0, group)
		for j := i; j < min(i+group, n); j++ {
			phase := "execution_data"
			if j%2 == 1 {
				phase = "execution_complete"
			}
			entries = append(entries, Entry{InjectID: fmt.Sprintf("inj-%d", j/2), Phase: phase,
				BaseURL: "http://127.0.0.1:1", Body: []byte(`{"execution_message":"x","execution_status":"SUCCESS"}`)})
		}
		recs, err := s.Put(entries...)
		if err != nil {
			b.Fatal(err)
		}
		for k, r := range recs {
			if (i+k)%200 == 101 {
				interrupted = append(interrupted, r.ID)
			}
		}
		for _, r := range recs {
			s.unclaim(r.ID)
		}
	}
	at := time.Now().Add(-time.Second)
	err = s.do(true, func(tx *bolt.Tx) error {
		_, err := updatePending(tx, interrupted, func(Record) bool { return true }, func(r *Record) { r.Interrupted = at })
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkPendingOf is the lookup a daemon makes for each message it
// takes (is the inject's result already waiting to be resent?) and `run
// --profile openaev` once (WarnPending), among many pending bodies of
// other injects (a platform down for a while): "one" asks for an inject
// with one pending body, stored last, "none" for one with no body (a new
// inject, the usual case). The match is one like openaev's Profile.Owns,
// which reads the record's fields.
func BenchmarkPendingOf(b *testing.B) {
	const pending = 100_000
	s := benchPending(b, pending)
	defer s.Close()
	recs, err := s.Put(Entry{InjectID: "inj-one", Phase: "execution_complete", Profile: "openaev",
		BaseURL: "http://127.0.0.1:1", Body: []byte(`{"execution_message":"x","execution_status":"SUCCESS"}`)})
	if err != nil {
		b.Fatal(err)
	}
	s.unclaim(recs[0].ID)
	owns := func(r Record) bool { return r.Profile == "openaev" && r.URL != "" }
	for _, ask := range []struct {
		name, id string
		want     uint64 // 0: none
	}{{"one", "inj-one", recs[0].ID}, {"none", "inj-new", 0}} {
		b.Run(fmt.Sprintf("pending=%d/%s", pending, ask.name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, found, err := s.PendingOf(ask.id, owns)
				if err != nil || found != (ask.want != 0) || r.ID != ask.want {
					b.Fatal(r.ID, found, err)
				}
			}
		})
	}
}
