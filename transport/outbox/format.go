package outbox

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The format mark. Every version of injectkit checks it for equality when
// it opens an outbox and refuses a file marked otherwise, so the mark is
// what keeps an older version from misreading a file a newer one wrote.
// Version 1 was written from the first outbox on, while the way bodies are
// stored changed under it (verbatim, then deflated behind a codec byte,
// then S2) and records were added (sends not all stored, openaev data held
// behind their complete); version 2 is the same content under a mark that
// those versions refuse. This version reads both (every body stored under
// version 1, see bodyOf) and marks a version 1 file as version 2 in the
// transaction of its first write that an earlier version would misread
// (see upgradeMark): from then on an older version refuses the file
// instead of misreading what this one wrote. A file that was only read, or
// whose writes an earlier version reads as it wrote them, keeps its mark,
// so that an older process still working on it (resending what it stored)
// is not locked out of it by a newer one that only claimed, gave back,
// settled or removed records.
const (
	formatPrefix  = "injectkit-outbox/"
	formatVersion = 2
	format        = formatPrefix + "2"
	formatV1      = formatPrefix + "1" // read, upgraded by a write it misreads
)

// ErrNewerFormat matches a *NewerFormatError.
var ErrNewerFormat = errors.New("outbox written by a newer injectkit")

// NewerFormatError reports an outbox whose format mark is of a later
// version than this one reads: it is left as it is.
type NewerFormatError struct {
	Path string
	Mark string
}

func (e *NewerFormatError) Error() string {
	return fmt.Sprintf("outbox %s: format mark %q: written by a newer injectkit; use that version or drain it with it (this one reads up to %q)",
		e.Path, e.Mark, format)
}

// Is reports whether target is ErrNewerFormat.
func (e *NewerFormatError) Is(target error) bool { return target == ErrNewerFormat }

// checkMark returns nil when mark is one this version reads (format or
// formatV1), a *NewerFormatError for a later version's, and a
// *CorruptError otherwise.
func (s *Store) checkMark(mark []byte) error {
	got := string(mark)
	if got == format || got == formatV1 {
		return nil
	}
	if v, ok := strings.CutPrefix(got, formatPrefix); ok {
		if n, err := strconv.Atoi(v); err == nil && n > formatVersion && strconv.Itoa(n) == v {
			return &NewerFormatError{Path: s.path, Mark: got}
		}
	}
	if mark == nil {
		return &CorruptError{Path: s.path, Err: errors.New("not an outbox: no outbox format mark")}
	}
	return &CorruptError{Path: s.path, Err: fmt.Errorf("format %q, want %q", got, format)}
}

// upgradeMark marks a version 1 file as version 2, in tx, the writable
// transaction of a write that an earlier version would misread: the file
// is upgraded with that write, or not at all. Those writes are
//   - a put: its bodies stored in this version's codecs (S2, or raw behind
//     a codec byte, which the first outbox posts as they are stored, the
//     deflate era moves to the dead list), and the record of its send
//     (which versions before it ignore, posting openaev data before its
//     complete);
//   - the move back to pending of a body an earlier version moved to the
//     dead list as corrupt because it could not read it (see misjudged):
//     that version would misread it again.
//
// Every other write (a claim, a lease renewed or given back, a failure
// noted, a move to the dead list, a removal, a drop, a start of serve's
// runs and its end) keeps the records in the encoding every earlier
// version reads, and leaves the mark as it is. A file without the mark
// (being created) is left to init.
//
// No encoding of a body is read by every earlier version (the first
// outbox posts a codec byte as part of the body, the versions after it
// took a body with none as corrupt until this one), so such a write is
// not made in an earlier form: while a live process of an earlier version
// sends bodies from the file, which it could no longer remove once they
// are delivered, the write is refused (*HeldByOlderError, see olderHolder).
func (s *Store) upgradeMark(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil || string(meta.Get(keyFormat)) != formatV1 {
		return nil
	}
	if err := s.olderMarked(tx); err != nil { // the check Stats reports as Older
		return err
	}
	return meta.Put(keyFormat, []byte(format))
}

// check makes sure a file opened read-only is an outbox.
func (s *Store) check(db *bolt.DB) error {
	return s.tx(db, false, func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return &CorruptError{Path: s.path, Err: errors.New("not an outbox: no outbox format mark or buckets")}
		}
		// The mark first: a newer format may keep other buckets.
		if err := s.checkMark(meta.Get(keyFormat)); err != nil {
			return err
		}
		if tx.Bucket(bucketPending) == nil || tx.Bucket(bucketDead) == nil || tx.Bucket(bucketBodies) == nil {
			return &CorruptError{Path: s.path, Err: errors.New("not an outbox: no outbox format mark or buckets")}
		}
		return nil
	})
}
