package outbox

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// The index of pending records by inject (see index.go). serve asks, for
// each message it takes, whether the inject's result already waits in the
// outbox, and `run --profile openaev` once (PendingOf): the bucket below
// holds one key per pending record, so that PendingOf reads only the
// inject's records. The meta key keyByInjectMark is its mark; PendingOf
// walks the pending bodies while it is not trusted.

var (
	bucketByInject  = []byte("pending-by-inject")
	keyByInjectMark = []byte("pending-by-inject-index")
)

// indexByInject is the index of every pending record.
var indexByInject = index{bucket: bucketByInject, mark: keyByInjectMark, of: storedInject}

// markInjectID and markRawInjectID begin the stored form's fields of the
// inject id (see encode): json.Marshal writes no space after the colon,
// and escapes every quote within a string, so neither is found inside
// another field's value.
var (
	markInjectID    = []byte(`"inject_id":`)
	markRawInjectID = []byte(`"raw_inject_id":`)
)

// storedInject returns the inject id of the record stored as v, as
// decode reads it, without decoding the rest when the id is plain (no
// escape, valid UTF-8: the id of nearly every record); ok is false when v
// cannot be decoded. A removal of a body delivered costs this, not a
// decoding of its record.
func storedInject(v []byte) (injectID string, ok bool) {
	if i := bytes.Index(v, markInjectID); i >= 0 && !bytes.Contains(v, markRawInjectID) {
		if rest := v[i+len(markInjectID):]; len(rest) > 0 && rest[0] == '"' {
			// With no backslash before it, the first quote ends the string.
			if end := bytes.IndexByte(rest[1:], '"'); end >= 0 {
				if s := rest[1 : 1+end]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
					return string(s), true
				}
			}
		}
	}
	r, err := decode(v)
	return r.InjectID, err == nil
}

// lookupIndexed is the lookup of PendingOf and InterruptedOf through
// the index whose bucket is bucket, in tx, where it is fresh: the
// inject's keys, the lowest id first, as the walk meets its records; gone
// are the records whose removal is in flight. A key left of a record gone
// or unreadable is passed over.
func lookupIndexed(tx *bolt.Tx, bucket []byte, injectID string, gone map[uint64]int, match func(Record) bool) (Record, bool) {
	pending, prefix := tx.Bucket(bucketPending), injectPrefix(injectID)
	c := tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		id := k[len(prefix):]
		if len(id) != 8 {
			continue
		}
		r, err := decode(pending.Get(id))
		if err != nil || r.ID != binary.BigEndian.Uint64(id) {
			continue // gone, or unreadable: never sent (see readRecord)
		}
		r.State = Pending
		_, removed := gone[r.ID]
		if r.InjectID == injectID && !removed && (match == nil || match(r)) {
			return r, true
		}
	}
	return Record{}, false
}
