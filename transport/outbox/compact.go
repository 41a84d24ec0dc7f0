package outbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bbolt never gives a page back to the file system: a file that once held
// 100 000 bodies keeps its size, however few it holds later. The store
// therefore compacts the file (copies what it holds into a new file, which
// replaces it) each time it lets go of it (Close; in Shared mode, the end of
// each operation, and Open) when most of it is free: more than half of it,
// and at least compactFloor bytes; or, when it holds no body, more than
// half of it, and the file is of compactEmptyFloor bytes or more. Not
// while a send stored whole before its first POST posts its bodies (see
// storeFirst): each letting go of the file meanwhile (a hand-over waiting
// on a slow POST) found it half free once half the bodies were posted,
// and copied those still to post, which the send removes moments later
// (4-16 MiB at W1's 1M, its peak RSS up to 349 MB against 273-280); the
// release after its last removals compacts the file, then empty.

// compactFloor is the free space below which a file is never compacted.
const compactFloor = 8 << 20

// compactTxBytes bounds the bytes copied per transaction of a compaction.
const compactTxBytes = 8 << 20

// compactPrefix begins the name of a compaction's new file, beside the
// outbox.
func (s *Store) compactPrefix() string { return "." + filepath.Base(s.path) + ".compact-" }

// compactEmptyFloor is the size from which a file that holds no body (no
// pending or dead record) is compacted however little of it is free (at
// least half): copying what it holds (its buckets, and the records of
// sends cut short) is cheap, and it gives back the pages of the bodies
// it held last (8 MiB and more after a large send), which compactFloor
// alone left. An empty outbox compacted is smaller than this, so it is
// not compacted again each time it is let go of. Below it the free pages
// stay: a run of 10 000 targets grows a new file to 512 KiB, and the next
// run of that size reuses them, where a compaction at each run's end (a
// new file, four fsyncs and a rename) made the next one grow the file
// again (four more).
const compactEmptyFloor = 4 << 20

// freeBytes returns the bytes of the file at path, which db maps, that
// hold no page in use.
func freeBytes(db *bolt.DB, path string) (free, size int64, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	var used int64
	err = db.View(func(tx *bolt.Tx) error {
		st := db.Stats()
		pages := tx.Size()/int64(db.Info().PageSize) - int64(st.FreePageN+st.PendingPageN)
		used = max(pages, 0) * int64(db.Info().PageSize)
		return nil
	})
	return fi.Size() - used, fi.Size(), err
}

// holdsNoBody reports whether db holds no record, pending or dead; false
// when it cannot be read (a damaged page is an error, see tx).
func (s *Store) holdsNoBody(db *bolt.DB) bool {
	empty := false
	err := s.tx(db, false, func(tx *bolt.Tx) error {
		empty = true
		for _, b := range [][]byte{bucketPending, bucketDead} {
			if bk := tx.Bucket(b); bk != nil {
				if k, _ := bk.Cursor().First(); k != nil {
					empty = false
				}
			}
		}
		return nil
	})
	return err == nil && empty
}

// emptyingFor notes a send stored whole that posts its bodies until f is
// drained: no compaction meanwhile (see above).
func (s *Store) emptyingFor(f *feed) {
	s.mu.Lock()
	s.emptying++
	s.mu.Unlock()
	f.whenDrained(func() {
		s.mu.Lock()
		s.emptying--
		s.mu.Unlock()
	})
}

// compactIfFree compacts the file when most of it is free (see above). It
// runs only while this process holds the file's lock and no operation
// uses db, which stays open and locked throughout: no other process sees
// the new file before it is whole. A compaction that fails leaves the file
// as it was (and no new file), and this Store tries no other (a Shared one
// would copy the file at each operation): the next process to use the
// outbox does. It is not an error of the outbox, and nobody is told. The
// caller holds s.mu.
func (s *Store) compactIfFree(db *bolt.DB) {
	if s.opts.ReadOnly || s.compactFailed || s.emptying > 0 {
		return
	}
	// A link, or a file of another user, is left as it is: the new file
	// would replace the link (the file it names keeping the old records,
	// for whoever opens it by that name), or take this user's owner.
	fi, err := os.Lstat(s.path)
	if err != nil || !fi.Mode().IsRegular() || !ownFile(fi) {
		return
	}
	free, size, err := freeBytes(db, s.path)
	switch {
	case err != nil, free <= size/2:
		return
	case free < compactFloor && (size < compactEmptyFloor || !s.holdsNoBody(db)): // see compactEmptyFloor
		return
	}
	s.compactFailed = s.compact(db, fi) != nil
}

// Compact copies what the outbox holds into a new file that replaces it,
// however little of it is free (compactIfFree waits for most of it to
// be): the pages bbolt freed, which it never overwrites, no longer hold
// the bodies delivered or dropped since they were stored. It returns the
// file's size before and after. The file is left as it was, and the
// error says why, when it is a link or another user's (see
// compactIfFree), when the Store was opened ReadOnly, while another
// operation of this Store uses it, or when the compaction fails. The
// blocks of the old file are the file system's to reuse: they are not
// overwritten.
func (s *Store) Compact() (before, after int64, err error) {
	if s.opts.ReadOnly {
		return 0, 0, fmt.Errorf("outbox %s: compact: opened read-only", s.path)
	}
	s.flushLazy()
	db, err := s.acquire()
	if err != nil {
		return 0, 0, err
	}
	defer s.release()
	s.mu.Lock()
	defer s.mu.Unlock()
	fi, err := os.Lstat(s.path)
	switch {
	case err != nil:
		return 0, 0, fmt.Errorf("outbox %s: compact: %w", s.path, err)
	case s.users > 1:
		return fi.Size(), fi.Size(), fmt.Errorf("outbox %s: compact: in use by another operation", s.path)
	case !fi.Mode().IsRegular():
		return fi.Size(), fi.Size(), fmt.Errorf("outbox %s: compact: not a regular file (a link is left as it is)", s.path)
	case !ownFile(fi):
		return fi.Size(), fi.Size(), fmt.Errorf("outbox %s: compact: another user's file is left as it is", s.path)
	}
	if err := s.compact(db, fi); err != nil {
		return fi.Size(), fi.Size(), err
	}
	// db maps the old file, gone from the path: the next operation opens
	// the new one.
	_ = db.Close()
	s.db = nil
	now, err := os.Stat(s.path)
	if err != nil {
		return fi.Size(), 0, fmt.Errorf("outbox %s: compact: %w", s.path, err)
	}
	return fi.Size(), now.Size(), nil
}

// compact copies what src holds into a new file beside it, of the
// outbox's owner, group and permissions (those of fi: a new file whose
// owner or group cannot be set is not used), fsyncs it,
// renames it over the outbox and fsyncs the directory. A crash at any
// step leaves the old file or the new one at the path, each whole: the
// old one is never written to, and the new one is complete, and durable,
// before the rename. A process waiting for the lock of the old file finds
// it replaced once it has the lock, and opens the new one (see openDB).
func (s *Store) compact(src *bolt.DB, fi os.FileInfo) (err error) {
	dir := filepath.Dir(s.path)
	f, err := os.CreateTemp(dir, s.compactPrefix()+"*")
	if err != nil {
		return fmt.Errorf("outbox %s: compact: %w", s.path, err)
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			_ = os.Remove(tmp)
		}
	}()
	// The owner first: a chown by another user than root clears the
	// set-id bits a chmod sets.
	if err := errors.Join(chownLike(f, fi), f.Chmod(fi.Mode().Perm()), f.Close()); err != nil {
		return fmt.Errorf("outbox %s: compact: %w", s.path, err)
	}
	steps := []func() error{
		func() error { return s.copyInto(tmp, src) },
		func() error { return syncPath(tmp) },
		func() error {
			_ = os.Remove(s.lockPath()) // once renamed, another process may lock the new file
			err := os.Rename(tmp, s.path)
			renamed = err == nil
			return err
		},
		func() error { return syncPath(dir) },
	}
	for i, step := range steps {
		if s.hooks.compact != nil {
			if err := s.hooks.compact(i); err != nil {
				return fmt.Errorf("outbox %s: compact: %w", s.path, err)
			}
		}
		if err := step(); err != nil {
			return fmt.Errorf("outbox %s: compact: %w", s.path, err)
		}
	}
	return nil
}

// copyInto copies what src holds into the new bbolt file at path, its
// pages full. Its commits are not fsync'd: the file is, once complete.
func (s *Store) copyInto(path string, src *bolt.DB) (err error) {
	// No other process knows the new file's name: its lock is free.
	dst, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Nanosecond, NoSync: true})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
	}()
	// A damaged page of src is a fault or a panic: an error (see openDB).
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("copy: %w", errPageDamaged)
		}
	}()
	// bolt.Compact descends into every bucket and reads every key: the
	// pages it follows are checked first, whole (see checkPages).
	if err := checkFile(src, true); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	var fresh []bool
	if err := src.View(func(tx *bolt.Tx) error { fresh = freshIndexes(tx, pathIdent(src.Path())); return nil }); err != nil {
		return err
	}
	if err := bolt.Compact(dst, src, compactTxBytes); err != nil {
		return err
	}
	return dst.Update(func(tx *bolt.Tx) error { return carryIndexMarks(tx, fresh, pathIdent(path)) })
}

// syncPath fsyncs the file or directory at path.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// replaced reports whether the file at the outbox's path is no longer
// file, the one this process opened and locked: a compaction replaced it
// while this process waited for its lock.
func (s *Store) replaced(file *os.File) bool {
	if file == nil {
		return false
	}
	held, err := file.Stat()
	if err != nil {
		return false
	}
	now, err := os.Stat(s.path)
	return err == nil && !os.SameFile(held, now)
}
