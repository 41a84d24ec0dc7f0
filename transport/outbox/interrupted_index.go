package outbox

import (
	"bytes"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// The index of interrupted bodies. openaev asks, for each message a daemon
// takes and each run, whether the inject's stored "complete" was attempted
// by a process killed during the attempt (Record.Interrupted): walking
// every pending body for it cost a read and a match of each (tens of
// milliseconds with 100 000 pending). The bucket below holds one key per
// pending record whose Interrupted is set, the inject id first, so that
// InterruptedOf reads only the inject's. It is kept in the transaction of
// each write of a record (put) and of each removal (deleteRecords).
//
// An earlier version does not keep it: a file it wrote to since this one
// last did may hold an interrupted body the index lacks. The meta key
// keyIndexMark therefore holds the id of the last transaction that kept
// the index (every writable transaction of this version advances it when
// it named the one before, see keepIndexMark): the index is trusted only
// when it names the file's last transaction. Otherwise (an earlier
// version's write, a file of before the index, a compaction of an earlier
// version) the file's next opener rebuilds it, and InterruptedOf walks the
// pending bodies until then (a file opened read-only, a rebuild that
// failed).

var (
	bucketInterrupted = []byte("interrupted")
	keyIndexMark      = []byte("interrupted-index")
)

// interruptedPrefix is the start of the keys of injectID's records in
// bucketInterrupted: its length (a uvarint: no length's encoding begins
// another's) then the id itself.
func interruptedPrefix(injectID string) []byte {
	return append(binary.AppendUvarint(nil, uint64(len(injectID))), injectID...)
}

// interruptedKey is the key of record id of injectID in bucketInterrupted.
func interruptedKey(injectID string, id uint64) []byte {
	return binary.BigEndian.AppendUint64(interruptedPrefix(injectID), id)
}

// put writes r in the bucket of its state, and keeps its key in the index:
// there while r is pending with Interrupted set, removed once r is dead.
func put(tx *bolt.Tx, r Record) error {
	raw, err := encode(r)
	if err != nil {
		return err
	}
	if idx := tx.Bucket(bucketInterrupted); idx != nil && !r.Interrupted.IsZero() {
		k := interruptedKey(r.InjectID, r.ID)
		if r.State == Pending {
			err = idx.Put(k, nil)
		} else {
			err = idx.Delete(k)
		}
		if err != nil {
			return err
		}
	}
	return bucketOf(tx, r.State).Put(key(r.ID), raw)
}

// markInterrupted is the mark of an interrupted record in its stored form
// (Interrupted is left out when zero): a record without it is not decoded.
var markInterrupted = []byte(`"interrupted":`)

// unindex removes from the index the key of pending record id, stored as
// raw (nil: not pending, never indexed).
func unindex(tx *bolt.Tx, id uint64, raw []byte) error {
	idx := tx.Bucket(bucketInterrupted)
	if idx == nil || !bytes.Contains(raw, markInterrupted) {
		return nil
	}
	r, err := decode(raw)
	if err != nil {
		return nil // unreadable: InterruptedOf passes over the key left
	}
	return idx.Delete(interruptedKey(r.InjectID, id))
}

// indexMark returns the transaction id the index mark names, -1 for none.
func indexMark(tx *bolt.Tx) int {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return -1
	}
	if v := meta.Get(keyIndexMark); len(v) == 8 {
		return int(binary.BigEndian.Uint64(v))
	}
	return -1
}

// setIndexMark makes the index mark name tx.
func setIndexMark(tx *bolt.Tx) error {
	return tx.Bucket(bucketMeta).Put(keyIndexMark, binary.BigEndian.AppendUint64(nil, uint64(tx.ID())))
}

// indexFresh reports whether the index holds every interrupted pending
// record of the file as tx reads it (a read transaction: its ID is that
// of the file's last write).
func indexFresh(tx *bolt.Tx) bool {
	return !tx.Writable() && tx.Bucket(bucketInterrupted) != nil && indexMark(tx) == tx.ID()
}

// keepIndexMark advances the index mark to tx, a writable transaction of
// this version, when it named the transaction before: each write of this
// version keeps the index (see put, unindex). A mark that names an older
// one stays as it is, to be rebuilt (see rebuildIndex).
func keepIndexMark(tx *bolt.Tx) error {
	if tx.Bucket(bucketMeta) == nil || indexMark(tx) != tx.ID()-1 {
		return nil
	}
	return setIndexMark(tx)
}

// carryIndexMark marks tx, the last transaction of a compaction's copy of
// a file whose index was fresh (fresh), as keeping the index: the copy
// holds it whole; the mark of one whose index was not is removed.
func carryIndexMark(tx *bolt.Tx, fresh bool) error {
	meta := tx.Bucket(bucketMeta)
	switch {
	case meta == nil:
		return nil
	case fresh:
		return setIndexMark(tx)
	}
	return meta.Delete(keyIndexMark)
}

// rebuildIndex rebuilds the index of db, opened to write, when it is not
// fresh: the interrupted records of the pending bodies, in one
// transaction. It is best effort: a failure leaves the index untrusted,
// and InterruptedOf walks the pending bodies.
func (s *Store) rebuildIndex(db *bolt.DB) {
	fresh := false
	if err := s.tx(db, false, func(tx *bolt.Tx) error { fresh = indexFresh(tx); return nil }); err != nil || fresh {
		return
	}
	_ = s.tx(db, true, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketInterrupted) != nil {
			if err := tx.DeleteBucket(bucketInterrupted); err != nil {
				return err
			}
		}
		idx, err := tx.CreateBucket(bucketInterrupted)
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketPending).ForEach(func(k, v []byte) error {
			if !bytes.Contains(v, markInterrupted) || len(k) != 8 {
				return nil
			}
			r, err := decode(v)
			if err != nil || r.Interrupted.IsZero() {
				return nil
			}
			return idx.Put(interruptedKey(r.InjectID, binary.BigEndian.Uint64(k)), nil)
		})
		if err != nil {
			return err
		}
		return setIndexMark(tx)
	})
}

// InterruptedOf returns the first pending record of injectID (the lowest
// id) whose last attempt a process killed during it left unended
// (Record.Interrupted is set) and for which match reports true (any, when
// match is nil), without its body; found is false when the outbox holds
// none. It reads the inject's keys in the index of such records, and
// walks the pending records as PendingOf does only when the index is not
// to be trusted (see above). A record whose removal is in flight (see
// deleteLater) is not pending.
func (s *Store) InterruptedOf(injectID string, match func(Record) bool) (rec Record, found bool, err error) {
	gone, indexed := s.deferredNow(), false
	err = s.do(false, func(tx *bolt.Tx) error {
		if indexed = indexFresh(tx); !indexed {
			return nil
		}
		pending, prefix := tx.Bucket(bucketPending), interruptedPrefix(injectID)
		c := tx.Bucket(bucketInterrupted).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && !found; k, _ = c.Next() {
			id := k[len(prefix):]
			r, err := decode(pending.Get(id))
			if err != nil || len(id) != 8 || r.ID != binary.BigEndian.Uint64(id) {
				continue // gone, or unreadable: never sent (see readRecord)
			}
			r.State = Pending
			_, removed := gone[r.ID]
			if r.InjectID == injectID && !r.Interrupted.IsZero() && !removed && (match == nil || match(r)) {
				rec, found = r, true
			}
		}
		return nil
	})
	if err != nil || indexed {
		return rec, found, err
	}
	return s.PendingOf(injectID, func(r Record) bool { return !r.Interrupted.IsZero() && (match == nil || match(r)) })
}
