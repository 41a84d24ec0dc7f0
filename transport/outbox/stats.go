package outbox

import (
	"encoding/binary"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Stats are counts of an outbox.
type Stats struct {
	Pending, Dead int
	Bytes         int64 // bytes of bodies stored
	// Older is a *HeldByOlderError when no body may be stored now: the
	// file is still marked version 1 and a live process of an earlier
	// version sends bodies from it (see upgradeMark); nil otherwise. A
	// caller checks it before it runs what it will store.
	Older error
}

// Stats counts the records and the bytes stored, and says whether a
// process of an earlier version keeps bodies from being stored (Older).
func (s *Store) Stats() (Stats, error) { return s.stats(s.opts.Timeout, true) }

// StatsNow is Stats without waiting for another process's lock: an
// outbox another process holds is a *LockedError at once, for a caller
// that tries again later rather than wait (a result held in memory, sent
// without being stored meanwhile). The file being opened by another
// goroutine of this process is waited for as it is.
func (s *Store) StatsNow() (Stats, error) { return s.stats(0, true) }

// Usage is what a check of an outbox's room reads: Stats without the
// counts of records.
type Usage struct {
	Bytes int64 // bytes of bodies stored, as Stats.Bytes
	Older error // as Stats.Older
	// Unwritable is the error of the last write, when the file system
	// refused it (full, over quota or read-only: see NotWritable), nil
	// once a write succeeded since with the file system showing room (a
	// write that only rewrote the file's own pages succeeds on a full
	// disk, and ends nothing); Free is then the bytes its file
	// system has free for the outbox (0 when mounted read-only, -1 where
	// that cannot be read): a caller may take Free above the room it
	// needs as the end of the refusal, no write having tried since.
	Unwritable error
	Free       int64
}

// Usage returns the bytes stored and whether a process of an earlier
// version keeps bodies from being stored, as Stats does, without counting
// the records: a daemon reads it before each inject (its outbox room),
// and counting walks every page of the records' buckets.
func (s *Store) Usage() (Usage, error) {
	st, err := s.stats(s.opts.Timeout, false)
	u := Usage{Bytes: st.Bytes, Older: st.Older}
	if p := s.refused.Load(); p != nil {
		u.Unwritable, u.Free = *p, diskFree(filepath.Dir(s.path))
	}
	return u, err
}

// stats is Stats waiting at most wait for another process's lock, the
// records counted only when counts is set (Pending and Dead are otherwise
// left as the bodies whose removal is in flight make them: zero or less).
func (s *Store) stats(wait time.Duration, counts bool) (Stats, error) {
	gone := s.deferredNow()
	var st Stats
	err := s.doWithin(wait, false, func(tx *bolt.Tx) error {
		if counts {
			st.Pending = tx.Bucket(bucketPending).Stats().KeyN
			st.Dead = tx.Bucket(bucketDead).Stats().KeyN
		}
		st.Bytes = used(tx)
		st.Older = s.olderMarked(tx)
		return countDeferred(tx, &st, gone)
	})
	return st, err
}

// HighestID returns the highest id of a record stored, pending or dead (0
// when there is none): what `outbox list` sizes its ID column by when it
// writes its table before it has read every record.
func (s *Store) HighestID() (uint64, error) {
	var highest uint64
	err := s.do(false, func(tx *bolt.Tx) error {
		highest = 0 // a transaction may be run again
		for _, st := range []State{Pending, Dead} {
			if k, _ := bucketOf(tx, st).Cursor().Last(); len(k) == 8 {
				highest = max(highest, binary.BigEndian.Uint64(k))
			}
		}
		return nil
	})
	return highest, err
}
