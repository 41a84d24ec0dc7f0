package outbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The file of attempts of a process that ended, which cannot be read (a
// read error, a second name given to it): which of its attempts it ended
// is unknown, and so is whether the backend holds the bodies it was
// posting. Its bodies are not taken as fresh, resent at once: each
// pending record that process still owned (Record.Owner, set from its
// claim until its outcome was written) counts an attempt that got no
// answer, started at the file's last change (the latest an attempt noted
// there can have started), as the attempts read from a file do. The file
// is kept, for whoever looks into it, and the caller told
// (Options.SidecarIgnored).

// heldFile is an ended process's file of attempts that cannot be read.
type heldFile struct {
	path  string
	pid   int
	start uint64    // the process's start time, 0 when unknown
	at    time.Time // the file's last change
	err   error     // why it cannot be read
}

// unreadable returns the heldFile of the file of attempts at path of
// process pid (started at start), which could not be read for err, and
// tells the caller of it (see tellIgnored). ok is false for a file that
// is gone (removed by another opener meanwhile) and for another user's,
// which is not this outbox's: it is only told of. That holds of another
// user's name that could not be opened or checked (a link, a second name,
// a file without read permission), whose owner readSidecar never got to
// judge: it holds back no body.
func (s *Store) unreadable(path string, pid int, start uint64, err error) (h heldFile, ok bool) {
	if errors.Is(err, errSidecarForeign) {
		s.tellIgnored(path, err)
		return heldFile{}, false
	}
	fi, lerr := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(lerr, fs.ErrNotExist) {
		return heldFile{}, false
	}
	if lerr == nil {
		if terr := s.trusted(fi); terr != nil {
			s.tellIgnored(path, fmt.Errorf("%s: %w", path, terr))
			return heldFile{}, false
		}
	}
	h = heldFile{path: path, pid: pid, start: start, at: s.opts.Now(), err: err}
	if lerr == nil {
		h.at = fi.ModTime()
	}
	s.tellIgnored(path, fmt.Errorf("the file of attempts of pid %d, which ended, cannot be read (%w): kept; "+
		"the bodies that process was posting are held as attempts that got no answer", pid, err))
	return h, true
}

// heldAttempts returns the attempts of the processes whose files of
// attempts cannot be read (held): one for each pending record such a
// process still owns.
func heldAttempts(tx *bolt.Tx, held []heldFile) []interruptedAttempt {
	var out []interruptedAttempt
	if len(held) == 0 {
		return nil
	}
	_ = bucketOf(tx, Pending).ForEach(func(k, v []byte) error {
		r := readRecord(tx, k, v, Pending)
		for i, h := range held {
			if r.Owner == h.pid && (r.OwnerStart == h.start || r.OwnerStart == 0 || h.start == 0) {
				out = append(out, interruptedAttempt{id: r.ID, pid: h.pid, at: h.at, unread: &held[i]})
				break
			}
		}
		return nil
	})
	return out
}

// lastError is the last error of the record of c, counted.
func (c interruptedAttempt) lastError() string {
	if c.unread != nil {
		return fmt.Sprintf("attempt by pid %d, which ended while it owned the body, before its outcome was recorded; "+
			"its file of attempts %s cannot be read (%v), so the attempt counts as started at %s, its last change: "+
			"the backend may hold the body", c.pid, c.unread.path, c.unread.err, c.at.UTC().Format(time.RFC3339Nano))
	}
	if c.answered != 0 {
		return fmt.Sprintf("attempt by pid %d, which ended in its wait for the next request before its outcome was "+
			"recorded: each request was answered that the backend did not take the body, the last (started at %s) HTTP %d",
			c.pid, c.at.UTC().Format(time.RFC3339Nano), c.answered)
	}
	return fmt.Sprintf("attempt started at %s by pid %d, which ended before its outcome was recorded: "+
		"the backend may hold the body", c.at.UTC().Format(time.RFC3339Nano), c.pid)
}
