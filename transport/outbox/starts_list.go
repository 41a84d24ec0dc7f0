package outbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Starts listed and dropped: an operator sees which injects are one
// process end away from their terminal ERROR (see StartRun), and forgets
// a start whose message is gone (purged from the queue), which nothing
// else removes.

// StartedRun is one start of an inject recorded in the outbox (see
// StartRun) whose run has not ended: its process still runs it
// (Running), or ended before it finished.
type StartedRun struct {
	// ID is the start's outbox id, which DropStart takes; no body, send or
	// other start has it. A start recorded by a build that numbered the
	// starts apart (their own sequence) may share its id with a body or a
	// send, and is then not dropped by it, or with a later start: DropStart
	// then drops one of them at a time (see DropStart).
	ID       uint64 `json:"id"`
	InjectID string `json:"inject_id"`
	// Owner is the pid of the process that started the run, OwnerStart
	// its start time (see Record.Owner).
	Owner      int       `json:"owner"`
	OwnerStart uint64    `json:"owner_start,omitempty"`
	Started    time.Time `json:"started"`
}

// Running reports whether the process of r still runs it: otherwise the
// run ended unfinished, and counts (see StartRun).
func (s *Store) Running(r StartedRun) bool {
	return !startRun{Owner: r.Owner, OwnerStart: r.OwnerStart}.gone()
}

// Starts returns the starts recorded, by inject id, then by id.
func (s *Store) Starts() ([]StartedRun, error) {
	var out []StartedRun
	err := s.do(false, func(tx *bolt.Tx) error {
		out = out[:0]
		b := tx.Bucket(bucketStarts)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var rec startsRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return &CorruptError{Path: s.path, Err: fmt.Errorf("starts of inject %s: %w", k, err)}
			}
			for _, r := range rec.Runs {
				out = append(out, StartedRun{ID: r.Seq, InjectID: string(k), Owner: r.Owner, OwnerStart: r.OwnerStart, Started: r.At})
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b StartedRun) int {
		return cmp.Or(cmp.Compare(a.InjectID, b.InjectID), cmp.Compare(a.ID, b.ID))
	})
	return out, err
}

// DropStart removes the start id, once its run is known to have ended
// unfinished (a message purged from the queue, say): it no longer counts.
// It removes that one start and returns it, every other start staying:
// when an earlier build's start shares the id (see StartedRun.ID), the
// first of them by inject id, then in the order they were recorded. A start whose process still runs it is a
// *BusyError (Running); an id that is no start is ErrNotFound.
func (s *Store) DropStart(id uint64) (StartedRun, error) {
	var out StartedRun
	err := s.do(true, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStarts)
		if b == nil {
			return fmt.Errorf("%w: %d", ErrNotFound, id)
		}
		var found *startsRecord
		at := 0 // the index of the start found in found.Runs
		err := b.ForEach(func(k, v []byte) error {
			var rec startsRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return &CorruptError{Path: s.path, Err: fmt.Errorf("starts of inject %s: %w", k, err)}
			}
			for i, r := range rec.Runs {
				if r.Seq == id && found == nil {
					rec.InjectID = string(k)
					found, at = &rec, i
					out = StartedRun{ID: r.Seq, InjectID: string(k), Owner: r.Owner, OwnerStart: r.OwnerStart, Started: r.At}
				}
			}
			return nil
		})
		switch {
		case err != nil:
			return err
		case found == nil:
			return fmt.Errorf("%w: %d", ErrNotFound, id)
		case s.Running(out):
			return &BusyError{Path: s.path, ID: id, Owner: out.Owner, Running: true}
		}
		found.Runs = slices.Delete(found.Runs, at, at+1)
		return writeStarts(b, *found)
	})
	return out, err
}
