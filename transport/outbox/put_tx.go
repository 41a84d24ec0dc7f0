package outbox

// One transaction of a put: storing a group of bodies, and removing what
// a failed put stored.

import (
	"fmt"
	"iter"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/internal/httpx"
)

// unput removes the records a failed put stored, and the record of its
// send (sendID, 0 for none), in one transaction. Records a deliverer
// posted may be removed already. Should this fail too, the record of the
// send stays: the send is listed incomplete.
func (s *Store) unput(ids idRuns, sendID uint64) error {
	if ids.n == 0 && sendID == 0 {
		return nil
	}
	gone := make([]removal, 0, ids.n)
	for id := range ids.all() {
		gone = append(gone, removal{id: id, size: -1})
	}
	var missing []uint64
	err := s.do(true, func(tx *bolt.Tx) error {
		if err := deleteRecords(gone, &missing)(tx); err != nil {
			return err
		}
		return deleteSend(tx, sendID)
	})
	for _, g := range gone {
		s.unclaim(g.id)
	}
	return err
}

// putGroup stores entries in one transaction if remaining bytes, theirs
// and those still to come, fit, and updates the record of the send, mark
// (see sendMark.write), in the same transaction. Its records are this
// Store's, so it is a claim (see beginClaim): once Close has started it
// writes nothing, ErrClosed; begun before, Close waits for its commit,
// then gives its records back with the others. A put whose transaction
// ran after the give-back left its records owned by a closed Store, sent
// by no other until their lease ended, or failed on a file already
// closed.
func (s *Store) putGroup(entries []Entry, remaining int64, mark *sendMark) ([]Record, error) {
	done, err := s.beginClaim()
	if err != nil {
		return nil, fmt.Errorf("outbox %s: store %d bodies: %w", s.path, len(entries), err)
	}
	defer done()
	now := s.opts.Now()
	recs := make([]Record, len(entries))
	// Each id is claimed as soon as it is allocated, before the commit
	// makes the record visible: this process's own Resender must never
	// take a record its deliverer is about to send.
	var held []uint64
	err = s.do(true, func(tx *bolt.Tx) error {
		if u := used(tx); u+remaining > s.opts.MaxBytes {
			return &FullError{Path: s.path, Used: u, Max: s.opts.MaxBytes, Need: remaining}
		}
		if err := s.upgradeMark(tx); err != nil { // bodies earlier versions misread
			return err
		}
		meta := tx.Bucket(bucketMeta)
		var added int64
		last := ""
		for i, e := range entries {
			id, err := meta.NextSequence()
			if err != nil {
				return err
			}
			s.mu.Lock()
			s.claims[id] = true
			s.mu.Unlock()
			held = append(held, id)
			base := httpx.StripCredentials(e.BaseURL)
			r := Record{ID: id, State: Pending, InjectID: e.InjectID, Phase: e.Phase,
				ChunkIndex: e.ChunkIndex, TotalChunks: max(e.TotalChunks, 1), Profile: e.Profile, InjectorID: e.InjectorID,
				BaseURL: base, URL: entryURL(e),
				IdempotencyKey: e.idKey, SHA256: e.sum,
				Size: len(e.Body), NextAttempt: now, Created: now}
			s.own(&r, now)
			if err := put(tx, r); err != nil {
				return err
			}
			if base != last { // the entries of a send share theirs
				if err := noteBackends(tx, base); err != nil {
					return err
				}
				last = base
			}
			if err := tx.Bucket(bucketBodies).Put(key(id), e.packed); err != nil {
				return err
			}
			recs[i] = r
			added += int64(len(e.Body))
		}
		if err := mark.write(tx, s, entries, now); err != nil {
			return err
		}
		return addUsed(tx, added)
	})
	if err != nil {
		for _, id := range held {
			s.unclaim(id)
		}
		return nil, err
	}
	mark.committed()
	s.mu.Lock()
	for _, id := range held { // ids of an attempt the transaction retried
		delete(s.claims, id)
	}
	for _, r := range recs {
		s.claims[r.ID] = true
	}
	s.mu.Unlock()
	return recs, nil
}

// idRuns are record ids, kept as runs of consecutive ids.
type idRuns struct {
	runs []idRun
	n    int // ids in all
}

// idRun is the ids first to first+n-1.
type idRun struct{ first, n uint64 }

// add adds id, extending the last run when it follows it.
func (r *idRuns) add(id uint64) {
	r.n++
	if k := len(r.runs) - 1; k >= 0 && r.runs[k].first+r.runs[k].n == id {
		r.runs[k].n++
		return
	}
	r.runs = append(r.runs, idRun{first: id, n: 1})
}

// all yields the ids of r in order.
func (r idRuns) all() iter.Seq[uint64] {
	return func(yield func(uint64) bool) {
		for _, run := range r.runs {
			for id := run.first; id < run.first+run.n; id++ {
				if !yield(id) {
					return
				}
			}
		}
	}
}

// list returns the ids of r in order.
func (r idRuns) list() []uint64 {
	return slices.AppendSeq(make([]uint64, 0, r.n), r.all())
}
