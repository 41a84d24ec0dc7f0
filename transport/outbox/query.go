package outbox

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// HasPending reports whether a pending record of injectID, one for which
// match reports true (any, when match is nil), is in the outbox: a daemon
// asks it for each message, to know whether the inject's result already
// waits to be resent. It reads only the pending records, and decodes only
// those whose stored form names injectID; a record whose removal is in
// flight (see deleteLater) is not pending.
func (s *Store) HasPending(injectID string, match func(Record) bool) (bool, error) {
	// A stored record is JSON with the inject id encoded as json.Marshal
	// encodes it; an id that is not valid UTF-8 is kept raw as well, and
	// then every record is decoded.
	var mark []byte
	if utf8.ValidString(injectID) {
		enc, err := json.Marshal(injectID)
		if err != nil {
			return false, err
		}
		mark = append([]byte(`"inject_id":`), enc...)
	}
	gone := s.deferredNow()
	found := false
	err := s.do(false, func(tx *bolt.Tx) error {
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
			found = r.InjectID == injectID && !removed && (match == nil || match(r))
		}
		return nil
	})
	return found, err
}
