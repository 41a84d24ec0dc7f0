package outbox

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	// ID is the start's number, which DropStart takes, and which an
	// operator sees as RunID(ID): a start recorded by an earlier version
	// may share its number with a body or a send, numbered apart, but not
	// its id; two starts that earlier versions numbered alike share it
	// (DropStart refuses it).
	ID       uint64 `json:"id"`
	InjectID string `json:"inject_id"`
	// Owner is the pid of the process that started the run, OwnerStart
	// its start time (see Record.Owner).
	Owner      int       `json:"owner"`
	OwnerStart uint64    `json:"owner_start,omitempty"`
	Started    time.Time `json:"started"`
}

// runPrefix begins the id of a start as an operator sees it: "run-57".
const runPrefix = "run-"

// RunID is the id of start seq as an operator sees it and gives it
// (ParseRunID): "run-57". Starts are numbered apart from bodies and sends,
// which share one sequence: an earlier version numbered them from their
// own, so a start it recorded may have the number of a body; the prefix
// keeps a body's id and a start's apart.
func RunID(seq uint64) string { return runPrefix + strconv.FormatUint(seq, 10) }

// ParseRunID returns the number of the start id names ("run-57", or
// "run-057": leading zeros are read as in a body's number); ok is false
// when id is not a start's.
func ParseRunID(id string) (seq uint64, ok bool) {
	n, ok := strings.CutPrefix(id, runPrefix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(n, 10, 64)
	return seq, err == nil && seq != 0
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
			rec, err := s.decodeStarts(string(k), v)
			if err != nil {
				return err
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
// A start whose process still runs it is a *BusyError (Running); an id
// that is no start is ErrNotFound, and one that names two starts (earlier
// versions numbered them alike, see nextRunSeq) is an *AmbiguousError:
// neither is dropped.
func (s *Store) DropStart(id uint64) (StartedRun, error) {
	var out StartedRun
	err := s.do(true, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStarts)
		if b == nil {
			return fmt.Errorf("%w: %s", ErrNotFound, RunID(id))
		}
		var (
			found   *startsRecord
			injects []string
		)
		err := b.ForEach(func(k, v []byte) error {
			rec, err := s.decodeStarts(string(k), v)
			if err != nil {
				return err
			}
			for _, r := range rec.Runs {
				if r.Seq != id {
					continue
				}
				injects = append(injects, string(k))
				if found == nil {
					rec.InjectID = string(k)
					found = &rec
					out = StartedRun{ID: r.Seq, InjectID: string(k), Owner: r.Owner, OwnerStart: r.OwnerStart, Started: r.At}
				}
			}
			return nil
		})
		switch {
		case err != nil:
			return err
		case found == nil:
			return fmt.Errorf("%w: %s", ErrNotFound, RunID(id))
		case len(injects) > 1:
			return &AmbiguousError{Path: s.path, ID: RunID(id), Names: injects}
		case s.Running(out):
			return &BusyError{Path: s.path, ID: id, Owner: out.Owner, Running: true}
		}
		found.Runs = slices.DeleteFunc(found.Runs, func(r startRun) bool { return r.Seq == id })
		return writeStarts(b, *found)
	})
	return out, err
}
