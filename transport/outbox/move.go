package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/internal/httpx"
)

// MoveResult counts what Move did.
type MoveResult struct {
	// Pending and Dead count the records moved, by state.
	Pending, Dead int
	// Busy counts the records of the backend moved that another delivery
	// owns (see Busy: a live process posting them): left as they were.
	Busy int
	// Storing counts the backend's sends a live process is still storing
	// (see Store.Storing): their bodies are left as they were, counted
	// Busy, so that the chunks still to come and those stored go to one
	// place, in order.
	Storing int
	// Sends counts the records of incomplete sends (see Incomplete) moved
	// with them: a flush to the new base URL reports their loss.
	Sends int
	// Profiled counts the records moved (Pending and Dead) that name a
	// Profile (not the default one), and BusyProfiled those counted Busy:
	// a caller names each profile's bodies in its own words.
	Profiled, BusyProfiled int
	// Corrupt counts the records of the backend whose URL is not under
	// their base URL (see routeCheck: damaged on disk), CorruptID the
	// first one's id: left as they were, never sent (a flush moves them
	// to the dead list), and the others moved.
	Corrupt   int
	CorruptID uint64
}

// Moved is how many records Move gave the new base URL.
func (m MoveResult) Moved() int { return m.Pending + m.Dead }

// Move gives the records stored for one backend, pending and dead,
// another base URL, to: the backend moved (a 301 or 308 named where), and
// the bodies stored for it are its still. from picks the records by their
// base URL (the caller's rule of what one backend is; a record whose
// metadata cannot be read has none, and is never picked). to is stored as
// Put stores a base URL: without user information, and without trailing
// slashes. Each record keeps its path under the base URL, its profile,
// injector, idempotency key, state and attempts (its history); a pending
// one is due now: the backoff it waited was the old URL's, and the next
// flush tries the new one at once; a running Resender's Run at its next
// pass (at most MaxBackoff later: Run does not watch the file). Nothing
// is sent. A record another delivery owns
// is left as it was and counted Busy, and so is every body of a send
// whose first chunk another delivery owns, or which a live process is
// still storing (counted Storing). The records of the backend's
// incomplete sends (see Incomplete) move with its bodies, so that a flush
// to the new base URL still reports the chunks they lost. A record whose
// URL is not under its base URL (damaged on disk) is left as it was,
// counted in Corrupt, and the others are moved. It is one
// transaction: an error changes nothing, and so does ctx ending before it
// commits (the first interrupt: an error wrapping ctx's cause).
func (s *Store) Move(ctx context.Context, from func(baseURL string) bool, to string) (MoveResult, error) {
	base := strings.TrimRight(httpx.StripCredentials(to), "/")
	gone := s.deferredNow()
	now := s.opts.Now()
	var res MoveResult
	err := s.do(true, func(tx *bolt.Tx) error {
		res = MoveResult{} // a write may run its function again
		sends, storing, err := s.moveSends(tx, from, base)
		if err != nil {
			return err
		}
		res.Sends, res.Storing = len(sends), len(storing)
		var found []Record
		read := 0
		for _, st := range []State{Pending, Dead} {
			err := bucketOf(tx, st).ForEach(func(k, v []byte) error {
				if read++; read%walkCheck == 0 && ctx.Err() != nil {
					return fmt.Errorf("outbox %s: move stopped, nothing moved: %w", s.path, context.Cause(ctx))
				}
				r := readRecord(tx, k, v, st)
				if _, ok := gone[r.ID]; ok || r.Unreadable() || !from(r.BaseURL) {
					return nil
				}
				if s.Busy(r) && r.TotalChunks > 1 && r.ChunkIndex == 0 {
					storing[groupOf(r)] = true // its send is being sent in order
				}
				found = append(found, r)
				return nil
			})
			if err != nil {
				return err
			}
		}
		sends = slices.DeleteFunc(sends, func(in Incomplete) bool { return storing[groupOf(in.Record())] })
		res.Sends = len(sends)
		// Filtered in place: a second slice of the moved records held a
		// move of a million bodies twice over.
		moved := found[:0]
		for _, r := range found {
			if s.Busy(r) || r.TotalChunks > 1 && storing[groupOf(r)] {
				res.Busy++
				if r.Profile != "" {
					res.BusyProfiled++
				}
				continue
			}
			path, ok := strings.CutPrefix(r.URL, r.BaseURL)
			if !ok {
				if res.Corrupt++; res.Corrupt == 1 {
					res.CorruptID = r.ID
				}
				continue
			}
			r.BaseURL, r.URL = base, base+path
			if r.State == Pending {
				r.NextAttempt = now // the attempts are kept, for the record
			}
			moved = append(moved, r)
		}
		// Written once the buckets were walked: bbolt's ForEach must
		// not see its bucket change.
		for _, r := range moved {
			if err := put(tx, r); err != nil {
				return err
			}
			if r.State == Dead {
				res.Dead++
			} else {
				res.Pending++
			}
			if r.Profile != "" {
				res.Profiled++
			}
		}
		if err := s.moveBackends(tx, from, base, res); err != nil {
			return err
		}
		if ctx.Err() != nil { // the last look before the commit
			return fmt.Errorf("outbox %s: move stopped, nothing moved: %w", s.path, context.Cause(ctx))
		}
		if len(moved) == 0 && len(sends) == 0 {
			return errNothingMoved // rolled back: not even a commit
		}
		for _, in := range sends {
			raw, err := json.Marshal(in)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketSends).Put(key(in.ID), raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errNothingMoved) {
		return MoveResult{}, err
	}
	return res, nil
}

// errNothingMoved ends the transaction of a Move that found nothing to
// move (a backend the outbox holds no body for, or all of them being
// sent): it changes nothing, and it is not committed either, which
// would have written the file all the same (bbolt's meta page, its
// transaction id).
var errNothingMoved = errors.New("nothing to move")

// moveBackends records base, the URL records were moved to, among the
// backends the file knows (see Backends), and forgets the ones from
// picks when Move left nothing of theirs (no body another process holds,
// no send still being stored): a flush of the old URL is then one the
// outbox holds nothing for.
func (s *Store) moveBackends(tx *bolt.Tx, from func(string) bool, base string, res MoveResult) error {
	if res.Moved() == 0 && res.Sends == 0 {
		return nil
	}
	if res.Busy == 0 && res.Storing == 0 {
		if err := forgetBackends(tx, func(b string) bool { return b != base && from(b) }); err != nil {
			return err
		}
	}
	return noteBackends(tx, base)
}

// sendGroup is what the bodies of one send of several chunks share, as
// far as Move tells sends apart (two sends alike are left together).
type sendGroup struct {
	injectID, phase, profile string
	total                    int
}

// groupOf is the send group of r.
func groupOf(r Record) sendGroup {
	return sendGroup{r.InjectID, r.Phase, r.Profile, r.TotalChunks}
}

// moveSends returns the records of the incomplete sends stored for from,
// given base as their base URL (and their URL under it: empty stays empty,
// the record of an earlier version's send), and the groups of those a
// live process is still storing, which are not moved.
func (s *Store) moveSends(tx *bolt.Tx, from func(string) bool, base string) ([]Incomplete, map[sendGroup]bool, error) {
	storing := map[sendGroup]bool{}
	b := tx.Bucket(bucketSends)
	if b == nil {
		return nil, storing, nil
	}
	var out []Incomplete
	err := b.ForEach(func(k, v []byte) error {
		var in Incomplete
		if err := json.Unmarshal(v, &in); err != nil {
			return &CorruptError{Path: s.path, Err: fmt.Errorf("send record %x: %w", k, err)}
		}
		if !from(in.BaseURL) {
			return nil
		}
		if s.Storing(in) {
			storing[groupOf(in.Record())] = true
			return nil
		}
		if in.URL != "" {
			path, ok := strings.CutPrefix(in.URL, in.BaseURL)
			if !ok {
				return fmt.Errorf("outbox %s: send record %d: its URL is not under its base URL: not moved", s.path, in.ID)
			}
			in.URL = base + path
		}
		in.BaseURL = base
		out = append(out, in)
		return nil
	})
	return out, storing, err
}
