package outbox

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// What the processes that ended left of their attempts in flight (see
// attempts.go): read from their files of attempts, counted on their
// records, and the files removed.

// interruptedAttempt is an attempt a process that ended started and did
// not end. unread, when set, is the file of attempts of that process that
// could not be read, at its last change (see heldFile).
type interruptedAttempt struct {
	id     uint64
	pid    int
	at     time.Time
	unread *heldFile
	// answered, when not 0, is the status that answered the last request
	// of the attempt, each of its requests so answered (see noteAnswer):
	// the backend did not take the body.
	answered int
}

// endedSending returns the files of attempts of the processes that
// ended, with the attempts they hold that were not ended, and those of
// them that cannot be read (see heldFile), which are kept.
func (s *Store) endedSending() (files []string, cut []interruptedAttempt, held []heldFile) {
	dir := filepath.Dir(s.path)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), s.sendingPrefix())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		// <pid>-<start>-<store>, or <pid>-<start> (before the Stores
		// of a process had files of their own), ".new" a rewrite's.
		rest, rewrite := strings.CutSuffix(rest, ".new")
		pidS, startS, ok := strings.Cut(rest, "-")
		startS, _, _ = strings.Cut(startS, "-")
		pid, perr := strconv.Atoi(pidS)
		start, serr := strconv.ParseUint(startS, 10, 64)
		if !ok || perr != nil || serr != nil || (pid == s.pid && start == s.start) || alive(pid, start) {
			continue // not such a file, or its process runs
		}
		name := filepath.Join(dir, e.Name())
		if rewrite {
			files = append(files, name) // a rewrite cut short: the file it was to replace is whole
			continue
		}
		raw, err := s.readSidecar(name) // a FIFO swapped in since the listing is not waited on
		if err != nil {
			if h, ok := s.unreadable(name, pid, start, err); ok {
				held = append(held, h)
			}
			continue
		}
		files = append(files, name)
		cut = append(cut, parseAttempts(raw, pid)...)
	}
	return files, cut, held
}

// parseAttempts returns the attempts started and not ended in raw, a
// file of attempts of process pid. A line that cannot be read is passed
// over, and so is a last line without its newline: every line is written
// whole with its newline, one without it was cut by a power loss, and
// would read as another ("e 12" cut to "e 1" would end attempt 1, a
// start's time cut end in 1970).
func parseAttempts(raw []byte, pid int) []interruptedAttempt {
	open := map[uint64]time.Time{}
	answered := map[uint64]int{} // an answer line after the attempt's last start
	var order []uint64
	for {
		line, rest, whole := bytes.Cut(raw, []byte{'\n'})
		if !whole {
			break
		}
		raw = rest
		f := strings.Fields(string(line))
		if len(f) < 2 {
			continue
		}
		id, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch {
		case f[0] == "s" && len(f) == 3:
			ns, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				continue
			}
			if _, ok := open[id]; !ok {
				order = append(order, id)
			}
			open[id] = time.Unix(0, ns)
			delete(answered, id)
		case f[0] == "a" && len(f) == 3:
			status, err := strconv.Atoi(f[2])
			if _, ok := open[id]; ok && err == nil && status >= 300 && status <= 999 {
				answered[id] = status
			}
		case f[0] == "e":
			delete(open, id)
			delete(answered, id)
		}
	}
	var out []interruptedAttempt
	for _, id := range order {
		if at, ok := open[id]; ok {
			out = append(out, interruptedAttempt{id: id, pid: pid, at: at, answered: answered[id]})
			delete(open, id)
		}
	}
	return out
}

// recoverAttempts counts on their records the attempts that processes
// which ended started and did not end (see endedSending), in one
// transaction, then removes their files. A record already counted
// (Interrupted at that start: a recovery whose removal of the file did
// not happen) is not counted twice; one gone (delivered, dropped) or
// dead is passed over, and so is one another live process owns. A file
// that cannot be read is kept, and the bodies its process owned held
// (see heldFile).
func (s *Store) recoverAttempts() error {
	return s.recoverAttemptsBy(func(fn func(*bolt.Tx) error) error { return s.do(true, fn) })
}

// recoverAttemptsBy is recoverAttempts, its transaction written by write:
// at an opening, on the file the opening holds (see whileLockedAtOpen).
func (s *Store) recoverAttemptsBy(write func(func(*bolt.Tx) error) error) error {
	if s.opts.ReadOnly {
		return nil
	}
	files, cut, held := s.endedSending()
	if len(files) == 0 && len(held) == 0 {
		return nil
	}
	if len(cut) > 0 || len(held) > 0 {
		err := write(func(tx *bolt.Tx) error {
			for _, c := range append(cut, heldAttempts(tx, held)...) {
				r, err := find(tx, c.id)
				switch {
				case errors.Is(err, ErrNotFound):
					continue
				case err != nil:
					return err
				}
				if !s.countInterrupted(&r, c) {
					continue
				}
				if err := put(tx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("outbox %s: count the attempts of ended processes: %w", s.path, err)
		}
	}
	for _, f := range files {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("outbox %s: %w", s.path, err)
		}
	}
	return nil
}

// countInterrupted counts on r, unless it is not pending, counted already
// or another live process's, the attempt c that a process which ended
// started and did not end: the backend may hold the body. It reports
// whether r changed.
func (s *Store) countInterrupted(r *Record, c interruptedAttempt) bool {
	if r.State != Pending || r.Interrupted.Equal(c.at) || s.ownedElsewhere(*r) {
		return false
	}
	if c.answered != 0 {
		// Each request answered that the backend did not take it, the
		// process ended in the wait for the next one: an attempt that got
		// its answer, resent at once. Counted once: its last error names
		// its start.
		if r.LastError == c.lastError() {
			return false
		}
		r.Attempts++
		r.LastError, r.LastStatus = c.lastError(), c.answered
		if r.Owner == c.pid {
			r.Owner, r.OwnerStart, r.LeaseUntil = 0, 0, time.Time{}
		}
		return true
	}
	r.Attempts++
	r.Unanswered++
	r.Interrupted = c.at
	r.LastError = c.lastError()
	r.LastStatus = 0
	if r.Owner == c.pid {
		r.Owner, r.OwnerStart, r.LeaseUntil = 0, 0, time.Time{}
	}
	return true
}

// withEndedAttempts shows on recs, as listed by a Store opened read-only
// (which writes nothing, leaving the files of attempts of the processes
// that ended to the next opener that writes), the attempts those
// processes started and did not end, as that opener will count them
// (see recoverAttempts): a file that cannot be read is passed over.
func (s *Store) withEndedAttempts(recs []Record) []Record {
	_, cut, _ := s.endedSending()
	if len(cut) == 0 {
		return recs
	}
	at := make(map[uint64]int, len(recs))
	for i, r := range recs {
		at[r.ID] = i
	}
	for _, c := range cut {
		if i, ok := at[c.id]; ok {
			s.countInterrupted(&recs[i], c)
		}
	}
	return recs
}
