package outbox

import (
	"bytes"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// The indexes of pending records. A lookup by inject among the pending
// records (is its result already waiting? was its complete attempted by a
// killed process?) walked every pending body: tens of milliseconds with
// 100 000 pending. Each index below is a bucket holding one key per
// pending record it covers, the inject id first (injectKey), so that a
// lookup reads only the inject's keys: byInject covers every pending
// record (PendingOf), interrupted those whose Interrupted is set
// (InterruptedOf). Each is kept in the transaction of each write of a
// record (put) and of each removal (deleteRecords, through unindex).
//
// An earlier version keeps neither, or only the interrupted one: a file it
// wrote to since this one last did may hold a pending body an index lacks.
// Each index therefore has a mark in the meta bucket holding the id of the
// last transaction that kept it (every writable transaction of this
// version advances it when it named the one before, see keepIndexMarks):
// an index is trusted only when its mark names the file's last
// transaction. Otherwise (an earlier version's write, a file of before the
// index, a compaction of an earlier version) the file's next opener
// rebuilds it, and the lookup walks the pending bodies until then (a file
// opened read-only, a rebuild that failed).

// index is one of the indexes of pending records.
type index struct {
	bucket []byte // its keys, injectKey of the records it holds
	mark   []byte // the meta key of its mark
	// of returns the inject id of the pending record stored as v, and
	// whether the index holds it.
	of func(v []byte) (injectID string, in bool)
}

// indexes are the indexes a writable transaction keeps.
var indexes = []index{indexInterrupted, indexByInject}

// injectPrefix is the start of the keys of injectID's records in an
// index: its length (a uvarint: no length's encoding begins another's)
// then the id itself.
func injectPrefix(injectID string) []byte {
	return append(binary.AppendUvarint(nil, uint64(len(injectID))), injectID...)
}

// injectKey is the key of record id of injectID in an index: in an
// inject's keys, the lowest id first, as in the pending bucket.
func injectKey(injectID string, id uint64) []byte {
	return binary.BigEndian.AppendUint64(injectPrefix(injectID), id)
}

// put writes r in the bucket of its state, and keeps it in the indexes.
func put(tx *bolt.Tx, r Record) error {
	raw, err := encode(r)
	if err != nil {
		return err
	}
	if idx := tx.Bucket(bucketInterrupted); idx != nil && !r.Interrupted.IsZero() {
		if err := keepKey(idx, injectKey(r.InjectID, r.ID), r.State == Pending); err != nil {
			return err
		}
	}
	if idx := tx.Bucket(bucketByInject); idx != nil {
		// Every record the pending bucket holds (see bucketOf).
		if err := keepKey(idx, injectKey(r.InjectID, r.ID), r.State != Dead); err != nil {
			return err
		}
	}
	return bucketOf(tx, r.State).Put(key(r.ID), raw)
}

// keepKey puts k in idx (in) or removes it. A key already there is not
// written again: a write would copy its page at the commit, and each
// claim and attempt of a record writes it.
func keepKey(idx *bolt.Bucket, k []byte, in bool) error {
	if !in {
		return idx.Delete(k)
	}
	if got, _ := idx.Cursor().Seek(k); bytes.Equal(got, k) {
		return nil
	}
	return idx.Put(k, nil)
}

// unindex removes from the indexes the keys of pending record id, stored
// as raw (nil: not pending, never indexed).
func unindex(tx *bolt.Tx, id uint64, raw []byte) error {
	if raw == nil {
		return nil
	}
	for _, ix := range indexes {
		idx := tx.Bucket(ix.bucket)
		if idx == nil {
			continue
		}
		injectID, in := ix.of(raw)
		if !in {
			continue // unreadable: a lookup passes over a key left
		}
		if err := idx.Delete(injectKey(injectID, id)); err != nil {
			return err
		}
	}
	return nil
}

// markOf returns the transaction id the mark of ix names, -1 for none.
func (ix index) markOf(tx *bolt.Tx) int {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return -1
	}
	if v := meta.Get(ix.mark); len(v) == 8 {
		return int(binary.BigEndian.Uint64(v))
	}
	return -1
}

// setMark makes the mark of ix name tx.
func (ix index) setMark(tx *bolt.Tx) error {
	return tx.Bucket(bucketMeta).Put(ix.mark, binary.BigEndian.AppendUint64(nil, uint64(tx.ID())))
}

// fresh reports whether ix holds every pending record it covers of the
// file as tx reads it (a read transaction: its ID is that of the file's
// last write).
func (ix index) fresh(tx *bolt.Tx) bool {
	return !tx.Writable() && tx.Bucket(ix.bucket) != nil && ix.markOf(tx) == tx.ID()
}

// keepIndexMarks advances the mark of each index to tx, a writable
// transaction of this version, when it named the transaction before: each
// write of this version keeps the indexes (see put, unindex). A mark that
// names an older one stays as it is, to be rebuilt (see rebuildIndexes).
func keepIndexMarks(tx *bolt.Tx) error {
	if tx.Bucket(bucketMeta) == nil {
		return nil
	}
	for _, ix := range indexes {
		if ix.markOf(tx) != tx.ID()-1 {
			continue
		}
		if err := ix.setMark(tx); err != nil {
			return err
		}
	}
	return nil
}

// freshIndexes returns, for each of indexes, whether it is fresh in tx.
func freshIndexes(tx *bolt.Tx) []bool {
	fresh := make([]bool, len(indexes))
	for i, ix := range indexes {
		fresh[i] = ix.fresh(tx)
	}
	return fresh
}

// carryIndexMarks marks tx, the last transaction of a compaction's copy
// of a file, as keeping each index that was fresh in it (fresh, see
// freshIndexes): the copy holds it whole; the mark of one that was not is
// removed.
func carryIndexMarks(tx *bolt.Tx, fresh []bool) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return nil
	}
	for i, ix := range indexes {
		err := meta.Delete(ix.mark)
		if fresh[i] {
			err = ix.setMark(tx)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// rebuildIndexes rebuilds the indexes of db, opened to write, that are
// not fresh, from the pending records, in one transaction. It is best
// effort: a failure leaves them untrusted, and the lookups walk the
// pending records.
func (s *Store) rebuildIndexes(db *bolt.DB) {
	var fresh []bool
	if err := s.tx(db, false, func(tx *bolt.Tx) error { fresh = freshIndexes(tx); return nil }); err != nil {
		return
	}
	var stale []index
	for i, ix := range indexes {
		if !fresh[i] {
			stale = append(stale, ix)
		}
	}
	if len(stale) == 0 {
		return
	}
	_ = s.tx(db, true, func(tx *bolt.Tx) error {
		idxs := make([]*bolt.Bucket, len(stale))
		for i, ix := range stale {
			if tx.Bucket(ix.bucket) != nil {
				if err := tx.DeleteBucket(ix.bucket); err != nil {
					return err
				}
			}
			var err error
			if idxs[i], err = tx.CreateBucket(ix.bucket); err != nil {
				return err
			}
		}
		err := tx.Bucket(bucketPending).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return nil
			}
			for i, ix := range stale {
				if injectID, in := ix.of(v); in {
					if err := idxs[i].Put(injectKey(injectID, binary.BigEndian.Uint64(k)), nil); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, ix := range stale {
			if err := ix.setMark(tx); err != nil {
				return err
			}
		}
		return nil
	})
}
