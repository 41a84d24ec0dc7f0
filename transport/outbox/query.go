package outbox

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// PendingOf returns the first pending record of injectID (the lowest id)
// for which match reports true (any, when match is nil), without its
// body; found is false when the outbox holds none. A daemon asks it for
// each message, to know whether the inject's result already waits to be
// resent; `run` once, to say that an earlier run's result waits. It reads
// the inject's keys in the index of pending records (see index.go), in
// one read transaction; only while the index is not to be trusted does it
// walk the pending records, decoding those whose stored form names
// injectID. A record whose removal is in flight (see deleteLater) is not
// pending.
func (s *Store) PendingOf(injectID string, match func(Record) bool) (rec Record, found bool, err error) {
	gone := s.deferredNow()
	err = s.do(false, func(tx *bolt.Tx) error {
		if indexByInject.fresh(tx, s.fileID) {
			rec, found = lookupIndexed(tx, bucketByInject, injectID, gone, match)
		} else {
			rec, found = pendingWalked(tx, injectID, gone, match)
		}
		return nil
	})
	return rec, found, err
}

// pendingWalked is PendingOf's lookup through every pending record, in
// tx.
func pendingWalked(tx *bolt.Tx, injectID string, gone map[uint64]int, match func(Record) bool) (rec Record, found bool) {
	// A stored record is JSON with the inject id encoded as json.Marshal
	// encodes it; an id that is not valid UTF-8 is kept raw as well, and
	// then every record is decoded.
	var mark []byte
	if utf8.ValidString(injectID) {
		enc, _ := json.Marshal(injectID) // a string: no error
		mark = append(bytes.Clone(markInjectID), enc...)
	}
	c := tx.Bucket(bucketPending).Cursor()
	for k, v := c.First(); k != nil && !found; k, v = c.Next() {
		if mark != nil && !bytes.Contains(v, mark) {
			continue
		}
		r, err := decode(v)
		if err != nil {
			continue // unreadable: never sent (see readRecord)
		}
		r.State = Pending
		_, removed := gone[r.ID]
		if r.InjectID == injectID && !removed && (match == nil || match(r)) {
			rec, found = r, true
		}
	}
	return rec, found
}
