package outbox

import (
	"cmp"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// DropResult counts what DropWhere removed, and what it left.
type DropResult struct {
	// Pending and Dead count the records removed, by the state they were
	// in; Bytes is the size of their bodies.
	Pending, Dead int
	Bytes         int64
	// Busy counts the records picked that a delivery owns (see Busy: a
	// live process posting them), left as they were; Owner is the pid of
	// one of them.
	Busy, Owner int
}

// Dropped is how many records DropWhere removed.
func (d DropResult) Dropped() int { return d.Pending + d.Dead }

// DropWhere removes the records, pending or dead, and their bodies, that
// pick reports true for (the caller's rule: a backend, a date), but those
// a delivery owns (see Busy), which are counted and left, as Drop refuses
// one. The records are picked by a Walk, then removed a page per
// transaction, each picked again in it (a record moved or re-owned since
// the walk is judged as it is then): a process storing or sending waits
// for one page at most. ctx ending stops it between pages: the pages
// removed stay removed, counted in the result returned with ctx's error.
func (s *Store) DropWhere(ctx context.Context, pick func(Record) bool) (DropResult, error) {
	var ids []uint64
	err := s.Walk(ctx, func(r Record) error {
		if !r.Unreadable() && pick(r) {
			ids = append(ids, r.ID)
		}
		return nil
	})
	var res DropResult
	if err != nil {
		return res, err
	}
	for len(ids) > 0 {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("outbox %s: drop stopped: %w", s.path, context.Cause(ctx))
		}
		page := ids[:min(len(ids), cmp.Or(s.hooks.page, walkPage))]
		ids = ids[len(page):]
		var done DropResult
		err := s.do(true, func(tx *bolt.Tx) error {
			done = DropResult{} // a transaction may be run again
			var gone []removal
			for _, id := range page {
				r, err := find(tx, id)
				switch {
				case err != nil || r.Unreadable() || !pick(r):
					continue // settled, or changed, since the walk
				case r.State == Pending && s.Busy(r):
					done.Busy, done.Owner = done.Busy+1, r.Owner
					continue
				case r.State == Dead:
					done.Dead++
				default:
					done.Pending++
				}
				done.Bytes += int64(r.Size)
				gone = append(gone, removal{id: id, size: -1})
			}
			var missing []uint64
			return deleteRecords(gone, &missing)(tx)
		})
		if err != nil {
			return res, err
		}
		res.Pending, res.Dead, res.Bytes = res.Pending+done.Pending, res.Dead+done.Dead, res.Bytes+done.Bytes
		if done.Busy > 0 {
			res.Busy, res.Owner = res.Busy+done.Busy, done.Owner
		}
		if len(ids) > 0 {
			s.between()
		}
	}
	return res, nil
}
