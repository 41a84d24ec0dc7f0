package outbox

import (
	"fmt"
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
// injector, idempotency key, state, attempts and next attempt: only where
// it is sent changes, and nothing is sent. A record another delivery owns
// is left as it was and counted Busy. It is one transaction: an error
// changes nothing.
func (s *Store) Move(from func(baseURL string) bool, to string) (MoveResult, error) {
	base := strings.TrimRight(httpx.StripCredentials(to), "/")
	gone := s.deferredNow()
	var res MoveResult
	err := s.do(true, func(tx *bolt.Tx) error {
		res = MoveResult{} // a write may run its function again
		var moved []Record
		for _, st := range []State{Pending, Dead} {
			err := bucketOf(tx, st).ForEach(func(k, v []byte) error {
				r := readRecord(tx, k, v, st)
				if _, ok := gone[r.ID]; ok || r.Unreadable() || !from(r.BaseURL) {
					return nil
				}
				if s.Busy(r) {
					res.Busy++
					return nil
				}
				path, ok := strings.CutPrefix(r.URL, r.BaseURL)
				if !ok {
					return fmt.Errorf("outbox %s: record %d: its URL is not under its base URL: not moved", s.path, r.ID)
				}
				r.BaseURL, r.URL = base, base+path
				moved = append(moved, r)
				return nil
			})
			if err != nil {
				return err
			}
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
		}
		return nil
	})
	if err != nil {
		return MoveResult{}, err
	}
	return res, nil
}
