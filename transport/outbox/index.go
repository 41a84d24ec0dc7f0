package outbox

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"

	bolt "go.etcd.io/bbolt"
)

// keyIndexFile is the meta key of the file the index marks were written
// in (fileIdent, 8 bytes).
var keyIndexFile = []byte("index-file")

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
// version advances it when it named the one before, see keepIndexMarks),
// and the meta key keyIndexFile the file the marks were written in (its
// inode, fileIdent): an index is trusted only when its mark names the
// file's last transaction and keyIndexFile the file itself. An earlier
// version's compaction copies the marks into a new file whose transaction
// ids start again from the first, so that its writes that follow pass
// through the id a stale mark names: the file named tells the copy apart.
// Otherwise (an earlier version's write, a file of before the index, a
// compaction of an earlier version) the file's next opener rebuilds it,
// and the lookup walks the pending bodies until then (a file opened
// read-only, a rebuild that failed).

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

// setMark makes the mark of ix name tx, of the file file (fileIdent).
func (ix index) setMark(tx *bolt.Tx, file uint64) error {
	meta := tx.Bucket(bucketMeta)
	return errors.Join(meta.Put(ix.mark, binary.BigEndian.AppendUint64(nil, uint64(tx.ID()))),
		meta.Put(keyIndexFile, binary.BigEndian.AppendUint64(nil, file)))
}

// inFile reports whether the marks of tx's file were written in file
// (fileIdent), not copied from another.
func inFile(tx *bolt.Tx, file uint64) bool {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return false
	}
	v := meta.Get(keyIndexFile)
	return len(v) == 8 && binary.BigEndian.Uint64(v) == file
}

// fresh reports whether ix holds every pending record it covers of the
// file as tx reads it (a read transaction: its ID is that of the file's
// last write), which is file (fileIdent).
func (ix index) fresh(tx *bolt.Tx, file uint64) bool {
	return !tx.Writable() && tx.Bucket(ix.bucket) != nil && ix.markOf(tx) == tx.ID() && inFile(tx, file)
}

// keepIndexMarks advances the mark of each index to tx, a writable
// transaction of this version on file (fileIdent), when it named the
// transaction before, of that file: each write of this version keeps the
// indexes (see put, unindex). A mark that names an older one, or one of
// the file a compaction copied it from, stays as it is, to be rebuilt
// (see rebuildIndexes).
func keepIndexMarks(tx *bolt.Tx, file uint64) error {
	if !inFile(tx, file) {
		return nil
	}
	for _, ix := range indexes {
		if ix.markOf(tx) != tx.ID()-1 {
			continue
		}
		if err := ix.setMark(tx, file); err != nil {
			return err
		}
	}
	return nil
}

// freshIndexes returns, for each of indexes, whether it is fresh in tx,
// of file.
func freshIndexes(tx *bolt.Tx, file uint64) []bool {
	fresh := make([]bool, len(indexes))
	for i, ix := range indexes {
		fresh[i] = ix.fresh(tx, file)
	}
	return fresh
}

// carryIndexMarks marks tx, the last transaction of a compaction's copy
// of a file, the copy being file (fileIdent), as keeping each index that
// was fresh in it (fresh, see freshIndexes): the copy holds it whole;
// the mark of one that was not is removed.
func carryIndexMarks(tx *bolt.Tx, fresh []bool, file uint64) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return nil
	}
	for i, ix := range indexes {
		err := meta.Delete(ix.mark)
		if fresh[i] {
			err = ix.setMark(tx, file)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// heldIdent is fileIdent of f, an open file; 0 when unknown.
func heldIdent(f *os.File) uint64 {
	if f == nil {
		return 0
	}
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	return fileIdent(fi)
}

// pathIdent is fileIdent of the file at path; 0 when unknown.
func pathIdent(path string) uint64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fileIdent(fi)
}

// rebuildIndexes rebuilds the indexes of db, opened to write, that are
// not fresh, from the pending records, in one transaction. It is best
// effort: a failure leaves them untrusted, and the lookups walk the
// pending records.
func (s *Store) rebuildIndexes(db *bolt.DB) {
	var fresh []bool
	if err := s.tx(db, false, func(tx *bolt.Tx) error { fresh = freshIndexes(tx, s.fileID); return nil }); err != nil {
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
			if err := ix.setMark(tx, s.fileID); err != nil {
				return err
			}
		}
		return nil
	})
}
