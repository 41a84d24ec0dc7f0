package outbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

func (s *Store) lockPath() string { return s.path + ".lock" }

// writeLockRecord notes this process as the holder of the file's lock. A
// record that cannot be written (a full disk) is removed, not left empty
// or cut short: the lock holds all the same, its holder unknown to others.
// The record is created new (see newSidecar): a link or other file
// planted at its name is removed, never written through or in place.
func (s *Store) writeLockRecord() error {
	rec := fmt.Sprintf("pid=%d\ncommand=%s\nsince=%s\n", s.pid,
		strings.NewReplacer("\n", " ", "\r", " ").Replace(s.opts.Command), s.opts.Now().UTC().Format(time.RFC3339))
	if s.start != 0 {
		rec += fmt.Sprintf("start=%d\n", s.start) // tells a reused pid apart
	}
	if err := createSidecar(s.lockPath(), []byte(rec)); err != nil {
		_ = os.Remove(s.lockPath())
		return fmt.Errorf("outbox %s: write lock record: %w", s.path, err)
	}
	return nil
}

// compactAndUnrecord compacts the file if free enough (see compactIfFree)
// and removes the lock record, which names this process while it
// compacts, the longest hold. A compaction removes the record just before
// it renames its file in (another process may then lock that file and
// write its own): it is removed here only when the file was not replaced.
// The caller holds s.mu and is about to close db.
func (s *Store) compactAndUnrecord(db *bolt.DB) {
	before, _ := os.Stat(s.path)
	s.compactIfFree(db)
	if now, err := os.Stat(s.path); before == nil || err != nil || os.SameFile(before, now) {
		_ = os.Remove(s.lockPath())
	}
}

// lockedError reads the holder's lock record, of a lock waited for for
// waited. A record naming a process that has ended (a crashed
// injectkit's) is stale: the lock is another's.
func (s *Store) lockedError(waited time.Duration) error {
	e := &LockedError{Path: s.path, Waited: waited}
	// Another user's record is not read: it could name any process.
	if raw, err := s.readSidecar(s.lockPath()); err == nil {
		e.PID, e.Command, e.Since = parseLockRecord(raw)
		e.Stale = e.PID != 0 && !alive(e.PID, lockRecordStart(raw))
	}
	if e.PID == 0 {
		// No record: an outbox list (which writes none), or a holder that
		// could not write it. The system may name it (lockholder.go).
		if h, program, ok := lockHolderOf(s.path); ok {
			e.PID, e.Command, e.Listed, e.Shared = h.pid, program, true, h.shared
		}
	}
	return e
}

// lockRecordStart reads the start= line of a lock record: the holder's
// start time (see processStart), 0 when absent or malformed.
func lockRecordStart(raw []byte) uint64 {
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "start="); ok {
			n, _ := strconv.ParseUint(v, 10, 64)
			return n
		}
	}
	return 0
}

// parseLockRecord reads the lines pid=, command= and since= of a lock
// record; anything else, or a malformed value, is ignored.
func parseLockRecord(raw []byte) (pid int, command string, since time.Time) {
	for line := range strings.Lines(string(raw)) {
		k, v, _ := strings.Cut(strings.TrimRight(line, "\r\n"), "=")
		switch k {
		case "pid":
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				pid = n
			}
		case "command":
			command = v
		case "since":
			since, _ = time.Parse(time.RFC3339, v)
		}
	}
	return pid, command, since
}

// isIOError reports whether an error of bolt.Open comes from the system
// (permissions, a missing directory) rather than from the file's content.
func isIOError(err error) bool {
	var pe *fs.PathError
	var errno syscall.Errno
	return errors.As(err, &pe) || errors.As(err, &errno)
}
