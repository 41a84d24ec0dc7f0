package outbox

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Older processes. A process of an earlier version working on a file
// still marked injectkit-outbox/1 (resending what it stored) claims the
// bodies it sends, as this one does, but does not write the format of the
// owner: a live owner of a claim without it is such a process. The write
// that marks the file version 2 is refused while one is there (see
// upgradeMark): marked, the file would be refused to it, and the bodies
// the backend accepted from it would stay pending, to be posted twice.

// own makes this Store of this process the owner of r, from now on for
// a lease.
func (s *Store) own(r *Record, now time.Time) {
	r.Owner, r.OwnerStart, r.LeaseUntil = s.pid, s.start, now.Add(s.opts.Lease)
	r.ownerFormat, r.ownerStore = formatVersion, s.nonce
}

// HeldByOlderError reports a write that would mark a version 1 file as
// version 2 while a process of an earlier version (Owner) sends bodies
// from it: nothing was written. It is ErrLocked: the file is held.
type HeldByOlderError struct {
	Path  string
	Owner int
}

// Error says why nothing was stored and what the person who ran the
// command can do about it: Reason, then the advice.
func (e *HeldByOlderError) Error() string {
	return e.Reason() + " (the bodies the backend accepted would stay pending, to be posted twice); " +
		"nothing stored: run this once that process has ended, or give it another outbox"
}

// Reason says why no body can be stored now, without the advice Error
// gives a command's user: what a daemon's /healthz shows while it waits
// for that process to end.
func (e *HeldByOlderError) Reason() string {
	return fmt.Sprintf("outbox %s is marked %q and pid %d, a process of an earlier injectkit, is sending bodies from it: "+
		"storing bodies would mark it %q, which that process refuses", e.Path, formatV1, e.Owner, format)
}

// Is reports whether target is ErrLocked.
func (e *HeldByOlderError) Is(target error) bool { return target == ErrLocked }

// olderHolder returns a *HeldByOlderError when a live process of an
// earlier version owns a pending record (see own).
func (s *Store) olderHolder(tx *bolt.Tx) error {
	b := tx.Bucket(bucketPending)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		r, err := decode(v)
		if err == nil && r.ownerFormat == 0 && s.ownedElsewhere(r) {
			return &HeldByOlderError{Path: s.path, Owner: r.Owner}
		}
		return nil
	})
}

// olderMarked is olderHolder on a file still marked version 1, nil on
// one marked version 2 (no process of an earlier version opens it).
func (s *Store) olderMarked(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil || string(meta.Get(keyFormat)) != formatV1 {
		return nil
	}
	return s.olderHolder(tx)
}
