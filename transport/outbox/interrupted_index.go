package outbox

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// The index of interrupted bodies (see index.go). openaev asks, for each
// message a daemon takes and each run, whether the inject's stored
// "complete" was attempted by a process killed during the attempt
// (Record.Interrupted): the bucket below holds one key per pending record
// whose Interrupted is set, so that InterruptedOf reads only the
// inject's. The meta key keyIndexMark is its mark; InterruptedOf walks
// the pending bodies (PendingOf) while it is not trusted.

var (
	bucketInterrupted = []byte("interrupted")
	keyIndexMark      = []byte("interrupted-index")
)

// markInterrupted is the mark of an interrupted record in its stored form
// (Interrupted is left out when zero): a record without it is not decoded.
var markInterrupted = []byte(`"interrupted":`)

// indexInterrupted is the index of interrupted pending records.
var indexInterrupted = index{bucket: bucketInterrupted, mark: keyIndexMark, of: func(v []byte) (string, bool) {
	if !bytes.Contains(v, markInterrupted) {
		return "", false
	}
	r, err := decode(v)
	return r.InjectID, err == nil && !r.Interrupted.IsZero()
}}

// InterruptedOf returns the first pending record of injectID (the lowest
// id) whose last attempt a process killed during it left unended
// (Record.Interrupted is set) and for which match reports true (any, when
// match is nil), without its body; found is false when the outbox holds
// none. It reads the inject's keys in the index of such records, and
// walks the pending records as PendingOf does only when the index is not
// to be trusted (see above). A record whose removal is in flight (see
// deleteLater) is not pending.
func (s *Store) InterruptedOf(injectID string, match func(Record) bool) (rec Record, found bool, err error) {
	interrupted := func(r Record) bool { return !r.Interrupted.IsZero() && (match == nil || match(r)) }
	gone, indexed := s.deferredNow(), false
	err = s.do(false, func(tx *bolt.Tx) error {
		if indexed = indexInterrupted.fresh(tx, s.fileID); indexed {
			rec, found = lookupIndexed(tx, bucketInterrupted, injectID, gone, interrupted)
		}
		return nil
	})
	if err != nil || indexed {
		return rec, found, err
	}
	return s.PendingOf(injectID, interrupted)
}
